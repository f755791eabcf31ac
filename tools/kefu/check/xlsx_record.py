"""Checking a filled-in Excel record: read it as the YAML record, apply the same rules, name cells.

The engine's phase 1 reads a file into a :class:`~kefu.check.engine.FileResult`;
:func:`read_xlsx_file` does the same for a workbook and also returns its cell
map.  After phase 2 (items linked across shift logs) has added its findings,
:func:`name_cells` gives every finding of the workbook its ``cell``
(``值班记录!F12``) beside ``line`` (the row).
"""

from __future__ import annotations

from typing import Any

from kefu.check.privacy import find, mask
from kefu.findings import Finding
from kefu.load.xlsx import CellMap, SheetMap, read_xlsx
from kefu.load.yamlio import LineMap, LoadError

SUFFIXES = (".xlsx", ".xlsm")


def is_workbook(path: str) -> bool:
    """An Excel record by its name (``~$`` files are Excel's lock files, not records)."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.lower().endswith(SUFFIXES) and not name.startswith("~$")


def _unreadable(shown: str, line: int | None, zh: str, en: str) -> Any:
    from kefu.check.engine import FileResult

    finding = Finding(shown, line, "error", "unreadable", params={"zh": mask(zh), "en": mask(en)})
    return FileResult(shown, None, False, [finding])


def read_xlsx_file(path: str, shown: str, state: Any) -> tuple[Any, CellMap | None]:
    """Phase 1 for a workbook: (FileResult, cell map); never raises on bad input."""
    from kefu.check.engine import check_record

    try:
        data, cells = read_xlsx(path, shown, state.forms)
    except LoadError as exc:
        return _unreadable(shown, exc.line, exc.zh, exc.en), None
    name = str(data.get("form") or "").strip()
    form = state.forms.get(name)
    if form is None:  # read_xlsx found the form by this name; only a changed handbook gets here
        return _unreadable(shown, data.line, f"未知的表单 “{name}”", f"unknown form '{name}'"), None
    text = data.text if isinstance(data, SheetMap) else ""
    result = check_record(data, form, shown, state, text)
    name_cells(result, cells, data)
    return result, cells


def _holding(data: Any, row: int, message: str) -> str | None:
    """The key whose value on ``row`` holds personal data (a row has many keys; the text scan guesses by line)."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, LineMap):
            for key, value in node.items():
                if isinstance(value, str) and node.value_lines.get(key) == row \
                        and any(masked in message for _, masked, _ in find(value)):
                    return str(key)
                if isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return None


def name_cells(result: Any, cells: CellMap | None, data: Any = None) -> None:
    """Give each finding of a workbook without one the cell of its value (or of its row).

    Called after phase 1 with the record's data (personal data is found by
    row, so the key is looked up) and again after phase 2 for the item rules.
    """
    if cells is None:
        return
    for f in result.findings:
        if f.line is None or f.cell is not None:
            continue
        if f.rule == "personal-data" and data is not None:
            f.field = _holding(data, f.line, f.render()) or f.field
        f.cell = cells.get((f.line, f.field)) or cells.get((f.line, None))


def check_xlsx(path: str, shown: str, state: Any) -> Any:
    """One workbook checked on its own (no item linking across logs), findings with cells."""
    from kefu.check.engine import check_results

    result, cells = read_xlsx_file(path, shown, state)
    run = check_results([result], state)
    name_cells(run.files[0], cells)
    return run.files[0]
