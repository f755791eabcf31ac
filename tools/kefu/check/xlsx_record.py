"""Checking a filled-in Excel record: read it as the YAML record, apply the same rules, name cells.

The engine dispatches ``.xlsx`` files here (:func:`check_xlsx`); the result
has the shape of :func:`kefu.check.engine.check_file`'s, and each finding
carries ``cell`` (``值班记录!F12``) beside ``line`` (the row).
"""

from __future__ import annotations

from typing import Any

from kefu.check.privacy import mask
from kefu.findings import Finding
from kefu.load.xlsx import SheetMap, read_xlsx
from kefu.load.yamlio import LineMap, LoadError

SUFFIXES = (".xlsx", ".xlsm")


def _unreadable(shown: str, line: int | None, message: str, cell: str | None = None) -> dict[str, Any]:
    finding = Finding(shown, line, "error", "unreadable", mask(message), cell=cell)
    return {"path": shown, "form": None, "readable": False, "findings": [finding]}


def _holding(data: Any, row: int, message: str) -> str | None:
    """The key whose value on ``row`` holds personal data (a row has many keys; the YAML scan guesses by line)."""
    from kefu.check.privacy import find

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


def check_xlsx(path: str, shown: str, state: Any) -> dict[str, Any]:
    """The report of one workbook (``state`` is the engine's State); never raises on bad input."""
    from kefu.check.engine import check_record

    lang = state.settings.lang
    try:
        data, cells = read_xlsx(path, shown, state.forms)
    except LoadError as exc:
        return _unreadable(shown, exc.line, exc.message(lang))
    name = str(data.get("form") or "").strip()
    form = state.forms.get(name)
    if form is None:  # read_xlsx found the form by this name; only a changed handbook gets here
        return _unreadable(shown, data.line, f"未知的表单 “{name}”" if lang == "zh" else f"unknown form '{name}'")
    text = data.text if isinstance(data, SheetMap) else ""
    findings = check_record(data, form, shown, state, text)
    for f in findings:
        if f.rule == "personal-data" and f.line is not None:
            f.field = _holding(data, f.line, f.render()) or f.field
        if f.line is not None:
            f.cell = cells.get((f.line, f.field)) or cells.get((f.line, None))
    findings.sort(key=lambda f: (f.line or 0, f.rule, str(f.entry), f.field or ""))
    return {"path": shown, "form": form.id, "readable": True, "findings": findings}
