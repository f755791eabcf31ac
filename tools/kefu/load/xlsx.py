"""Reading a filled-in Excel record (``.xlsx``) as if it were the YAML record.

Front-desk staff fill records in WPS or Excel, not in a text editor.  A
workbook made by ``kefu new FORM --format xlsx`` has the record's header
fields as label/value pairs on top and one row per entry under a header row
of Chinese column labels.  :func:`read_xlsx` turns such a workbook into the
same :class:`LineMap`/:class:`LineList` structure :func:`read_yaml` gives, so
the checker's Reader and rules see no difference; the "line" of a value is
its row, and a cell map names the cell (``值班记录!F12``) for findings.

Layout is found by labels, not positions: a supervisor who inserts a row,
renames the sheet or merges cells still gets a readable record.  The
workbook is opened read-only and never written.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kefu.load.yamlio import MAX_BYTES, LineList, LineMap, LoadError
from kefu.model import Form, FormField

#: rows of a sheet with something written in them, beyond which a workbook is not a record
MAX_ROWS = 5000
#: label of the header cell naming the record's form (written by every template)
FORM_KEY = "form"

CellMap = dict[tuple[int, "str | None"], str]


class SheetMap(LineMap):
    """The record read from a sheet; ``text`` has one line per row (line n = row n) for the personal-data scan."""

    __slots__ = ("text",)

    def __init__(self, line: int = 0) -> None:
        super().__init__(line)
        self.text = ""
Path_ = tuple[str, ...]

_LIST_SPLIT = re.compile(r"[、,，;；\s]+")
_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*(.*)$")
_EXCEL_ZERO_DAYS = {dt.date(1899, 12, 30), dt.date(1899, 12, 31), dt.date(1900, 1, 1)}


@dataclass
class Column:
    """One column of the entry table: its header label and where its value goes."""

    label: str
    path: Path_  # ("no",) or ("deductions", "level") for a nested table's field
    field: FormField


@dataclass
class Layout:
    """Where each field of a form lives in its workbook (shared by the template and the reader)."""

    form: Form
    sheet: str
    header: list[tuple[str, Path_, FormField]] = field(default_factory=list)
    table: FormField | None = None
    columns: list[Column] = field(default_factory=list)

    def header_labels(self) -> dict[str, tuple[Path_, FormField]]:
        out: dict[str, tuple[Path_, FormField]] = {}
        for label, path, f in self.header:
            out[label] = (path, f)
            out.setdefault(".".join(path), (path, f))  # the English key works as a label too
        return out

    def column_labels(self) -> dict[str, Column]:
        out: dict[str, Column] = {}
        for c in self.columns:
            out[c.label] = c
            out.setdefault(".".join(c.path), c)
        return out


def form_label(form: Form) -> str:
    """The Chinese name written in the template's 表单 cell (值班记录表)."""
    marker = next((f for f in form.fields if f.key == FORM_KEY), None)
    if marker is not None and marker.choices:
        return marker.choices[0].label
    return form.title


def layout(form: Form) -> Layout:
    """The workbook layout of a record form, derived from its fields (never written by hand)."""
    table = next((f for f in form.fields if f.type == "table"), None)
    sheet = (table.label if table is not None else form_label(form))[:31]
    out = Layout(form, sheet, table=table)
    seen: set[str] = set()

    def add(label: str, path: Path_, f: FormField, scope: str) -> None:
        if label in seen:
            label = f"{scope}·{label}"
        seen.add(label)
        out.header.append((label, path, f))

    for f in form.fields:
        if f is table:
            continue
        if f.type == "mapping":
            for sub in f.fields:
                add(sub.label, (f.key, sub.key), sub, f.label)
        else:
            add(f.label, (f.key,), f, form.title)
    if table is not None:
        labels: set[str] = set()
        for f in table.fields:
            if f.type == "table":
                for sub in f.fields:
                    label = sub.label if sub.label not in labels else f"{f.label}·{sub.label}"
                    labels.add(label)
                    out.columns.append(Column(label, (f.key, sub.key), sub))
            else:
                label = f.label if f.label not in labels else f"{table.label}·{f.label}"
                labels.add(label)
                out.columns.append(Column(label, (f.key,), f))
    return out


# --------------------------------------------------------------------------
# Cell values to the strings and numbers a YAML record would hold


def _clean_label(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    return value.strip().rstrip("：:*＊ ").strip()


def _hhmm(t: dt.time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _number(v: float) -> int | float:
    return int(v) if float(v).is_integer() else v


def convert(value: Any, f: FormField) -> Any:
    """One cell's value as the record holds it: None when blank.

    Excel turns a typed ``23:40`` into a fraction of a day and a typed date
    into a datetime; the Reader parses text, so times and dates go back to
    ``"23:40"`` / ``"2026-11-23"`` / ``"2026-11-23 23:40"``.
    """
    t = f.items if f.type == "list" else f.type
    t = t or "string"
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if t == "date":
            m = _DATE_TEXT.match(text)
            if m and not m.group(4):
                return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        if t in ("time", "datetime"):
            text = text.replace("：", ":")
            m = _DATE_TEXT.match(text)
            if m:
                rest = m.group(4).strip()
                day = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
                return f"{day} {rest}" if rest else day
        if t == "integer" and text.isdigit():
            return int(text)
        return text
    if isinstance(value, bool):
        return value if t == "boolean" else ("true" if value else "false")
    if isinstance(value, dt.datetime):
        if t in ("time", "datetime"):
            if value.date() in _EXCEL_ZERO_DAYS:
                return _hhmm(value.time())
            if t == "datetime" and value.time() == dt.time(0, 0):
                return f"{value:%Y-%m-%d}"  # a date typed into reply_due: 23:59 that day, as in YAML
            return f"{value:%Y-%m-%d %H:%M}"
        if value.time() == dt.time(0, 0):
            return f"{value:%Y-%m-%d}"
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return _hhmm(value)
    if isinstance(value, dt.timedelta):
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}" if 0 <= minutes < 1440 else str(value)
    if isinstance(value, (int, float)):
        if t in ("time", "datetime") and 0 <= value < 1:  # a time left in a cell formatted as General
            minutes = round(value * 1440)
            return f"{minutes // 60:02d}:{minutes % 60:02d}"
        if t in ("integer", "number", "score"):
            return _number(value)
        return str(_number(value))
    return str(value)


def _as_list(value: Any, f: FormField, line: int) -> LineList | None:
    out = LineList(line)
    if isinstance(value, str):
        parts: Iterable[Any] = [p for p in _LIST_SPLIT.split(value.strip()) if p]
    elif value is None:
        parts = []
    else:
        parts = [value]
    for part in parts:
        converted = convert(part, f)
        if converted is not None:
            out.append(converted)
            out.item_lines.append(line)
    return out


# --------------------------------------------------------------------------
# Opening the file: everything that is not an .xlsx record is a LoadError


def _err(path: str, zh: str, en: str, line: int | None = None) -> LoadError:
    return LoadError(path, line, "xlsx", zh, en)


def _sniff(p: Path, shown: str) -> None:
    """Refuse what openpyxl would choke on, with the reason a clerk can act on."""
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(8)
            ole = head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
            body = fh.read(min(size, 1 << 20)) if ole else b""
    except FileNotFoundError:
        raise _err(shown, "文件不存在", "no such file") from None
    except IsADirectoryError:
        raise _err(shown, "这是一个目录，不是文件", "is a directory, not a file") from None
    except OSError as exc:
        raise _err(shown, f"无法读取文件：{exc.strerror}", f"cannot read file: {exc.strerror}") from None
    if size > MAX_BYTES:
        raise _err(shown, f"文件过大（{size // 1024 // 1024} MB），不是一张记录表",
                   f"file too large ({size // 1024 // 1024} MB) for a record")
    if size == 0:
        raise _err(shown, "文件是空的", "file is empty")
    if ole:
        if "EncryptionInfo".encode("utf-16-le") in body:
            raise _err(shown, "工作簿设置了打开密码，kefu 无法读取；请取消密码后另存为 .xlsx",
                       "the workbook is password-protected; remove the password and save it as .xlsx")
        raise _err(shown, "这是旧版 Excel 格式（.xls）；请在 Excel 或 WPS 中“另存为” .xlsx 后再检查",
                   "old Excel format (.xls); save it as .xlsx")
    if not head.startswith(b"PK"):
        raise _err(shown, "不是 Excel 工作簿（.xlsx）：文件内容不是 xlsx 格式（可能是改了扩展名的 CSV 或文本文件）",
                   "not an .xlsx workbook (a renamed CSV or text file?)")


def _open(p: Path, shown: str) -> Any:
    import openpyxl

    _sniff(p, shown)
    try:
        return openpyxl.load_workbook(p, read_only=True, data_only=True, keep_links=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError) as exc:
        raise _err(shown, f"Excel 文件已损坏或不完整，无法打开（{type(exc).__name__}）",
                   f"the workbook is corrupt or incomplete ({type(exc).__name__})") from None
    except Exception as exc:  # openpyxl raises many kinds on a broken part; none may become a traceback
        raise _err(shown, f"Excel 文件无法打开（{type(exc).__name__}）",
                   f"cannot open the workbook ({type(exc).__name__})") from None


def _ref(sheet: str, col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    name = sheet if re.fullmatch(r"[\w\u4e00-\u9fff]+", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{name}!{get_column_letter(col)}{row}"


def _rows(wb: Any, ws: Any, shown: str) -> list[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of every row with something in it; refuses absurd sheets.

    Parses the sheet's XML with openpyxl's own streaming parser (what a
    read-only worksheet does) so that the merged ranges, which come after
    the rows, are known too: a merged cell's value counts for every cell it
    covers, as the person who merged it sees it.
    """
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet._reader import WorkSheetParser

    rows: dict[int, list[Any]] = {}
    try:
        with wb._archive.open(ws._worksheet_path) as src:
            parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                     date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            for n, cells in parser.parse():
                values: list[Any] = []
                for c in cells:
                    v = c["value"]
                    if v is None or (isinstance(v, str) and not v.strip()):
                        continue
                    col = c["column"]
                    if len(values) < col:
                        values.extend([None] * (col - len(values)))
                    values[col - 1] = v
                if values:
                    rows[n] = values
                    if len(rows) > MAX_ROWS:
                        raise _err(shown, f"工作表“{ws.title}”有超过 {MAX_ROWS} 行内容，不是一张记录表（每班一个文件）",
                                   f"sheet '{ws.title}' has more than {MAX_ROWS} rows; not a record",
                                   n)
            merged = parser.merged_cells.mergeCell if parser.merged_cells is not None else []
            for rng in merged:
                min_col, min_row, max_col, max_row = range_boundaries(rng.ref)
                first = rows.get(min_row, [])
                value = first[min_col - 1] if min_col - 1 < len(first) else None
                if value is None:
                    continue
                for r in range(min_row, min(max_row, min_row + MAX_ROWS) + 1):
                    row = rows.setdefault(r, [])
                    if len(row) < max_col:
                        row.extend([None] * (max_col - len(row)))
                    for col in range(min_col, max_col + 1):
                        if row[col - 1] is None:
                            row[col - 1] = value
    except LoadError:
        raise
    except Exception as exc:
        raise _err(shown, f"工作表“{ws.title}”已损坏，无法读取（{type(exc).__name__}）",
                   f"sheet '{ws.title}' is corrupt ({type(exc).__name__})") from None
    return [(n, tuple(rows[n])) for n in sorted(rows)]


def _find_form(rows: list[tuple[int, tuple[Any, ...]]], forms: Mapping[str, Form]) -> Form | None:
    """The form named in the sheet's 表单 cell (its Chinese name, an alias or its id)."""
    marker_labels = {FORM_KEY}
    for form in forms.values():
        marker = next((f for f in form.fields if f.key == FORM_KEY), None)
        if marker is not None:
            marker_labels.add(marker.label)
    for _, values in rows[:40]:
        for i, v in enumerate(values[:-1]):
            if _clean_label(v) in marker_labels:
                name = values[i + 1]
                if isinstance(name, str) and name.strip() in forms:
                    return forms[name.strip()]
    return None


def _table_header(rows: list[tuple[int, tuple[Any, ...]]], lay: Layout) -> int | None:
    """Index into ``rows`` of the table's header row: the first row naming most required columns."""
    labels = lay.column_labels()
    required = {c.label for c in lay.columns if c.field.required and len(c.path) == 1}
    need = max(2, min(len(required), 3))
    for i, (_, values) in enumerate(rows):
        names = {_clean_label(v) for v in values}
        if len(names & set(labels)) >= need and (not required or names & required):
            return i
    return None


def read_xlsx(path: str | Path, display: str | None = None,
              form: Form | Mapping[str, Form] | None = None) -> tuple[LineMap, CellMap]:
    """The record in a workbook as LineMap/LineList (lines = rows) and the cell of each value.

    ``form`` is the record's form, or a mapping of form names (ids, Chinese
    names, aliases) to forms; then the workbook's 表单 cell decides.  The cell
    map has ``(row, key) -> "值班记录!F12"`` for every value (and every
    column of every entry row, so a missing value is named by its empty cell)
    and ``(row, None) ->`` the row's first cell.  Raises :class:`LoadError`.
    """
    p = Path(path)
    shown = display or str(path)
    wb = _open(p, shown)
    try:
        return _read(wb, shown, form)
    finally:
        wb.close()


def _read(wb: Any, shown: str, form: Form | Mapping[str, Form] | None) -> tuple[LineMap, CellMap]:
    candidates: list[tuple[Any, list[tuple[int, tuple[Any, ...]]], Form]] = []
    for ws in wb.worksheets:
        if getattr(ws, "sheet_state", "visible") != "visible" and len(wb.worksheets) > 1:
            continue
        rows = _rows(wb, ws, shown)
        if isinstance(form, Form):
            found: Form | None = form
            labels = set(layout(form).header_labels())
            if not any(_clean_label(v) in labels for _, values in rows[:40] for v in values):
                found = None
        else:
            found = _find_form(rows, form or {})
        if found is not None:
            candidates.append((ws, rows, found))
            break
    if not candidates:
        raise _err(shown, "不是 kefu 记录表：没有一个工作表有“表单”一栏；"
                   "请用 kefu new shift-log --format xlsx 生成的模板填写",
                   "not a kefu record workbook: no sheet has a 表单 (form) cell; fill in a template from "
                   "kefu new FORM --format xlsx")
    ws, rows, chosen = candidates[0]
    return _record(ws.title, rows, layout(chosen), shown)


def _record(sheet: str, rows: list[tuple[int, tuple[Any, ...]]], lay: Layout,
            shown: str) -> tuple[LineMap, CellMap]:
    cells: CellMap = {}
    top = SheetMap(rows[0][0] if rows else 1)
    lines = [""] * (rows[-1][0] if rows else 0)
    for n, values in rows:
        lines[n - 1] = " ".join(str(v) for v in values if isinstance(v, str))
    top.text = "\n".join(lines)
    cells[(top.line, None)] = _ref(sheet, 1, top.line)
    head = _table_header(rows, lay) if lay.table is not None else None
    if lay.table is not None and head is None:
        wanted = "、".join(c.label for c in lay.columns if c.field.required and len(c.path) == 1)
        raise _err(shown, f"工作表“{sheet}”里找不到“{lay.table.label}”的表头行（{wanted}）；"
                   "请勿删除或改写模板的表头",
                   f"sheet '{sheet}' has no header row of the {lay.table.key} table")
    labels = lay.header_labels()
    for n, values in rows[:head] if head is not None else rows:
        for i, v in enumerate(values):
            found = labels.get(_clean_label(v))
            if found is None:
                continue
            fpath, f = found
            raw = values[i + 1] if i + 1 < len(values) else None
            _put_header(top, fpath, f, raw, n, _ref(sheet, i + 2, n), cells)
    if lay.table is not None and head is not None:
        top[lay.table.key] = _table(sheet, rows, head, lay, cells)
        top.key_lines[lay.table.key] = top.value_lines[lay.table.key] = rows[head][0]
    return top, cells


def _put_header(top: LineMap, fpath: Path_, f: FormField, raw: Any, row: int, ref: str, cells: CellMap) -> None:
    target = top
    for key in fpath[:-1]:
        sub = target.get(key)
        if not isinstance(sub, LineMap):
            sub = LineMap(row)
            target[key] = sub
            target.key_lines[key] = target.value_lines[key] = row
            cells.setdefault((row, key), ref)
        target = sub
    key = fpath[-1]
    cells[(row, key)] = ref
    if f.type == "list":
        value: Any = _as_list(raw, f, row)
        if not value and (f.min_items or not f.required):
            return  # blank: missing (a list a record may leave out, or one that needs names)
    else:
        value = convert(raw, f)
        if value is None:
            return
    if key in target:
        return  # the label appears twice: the first one counts
    target[key] = value
    target.key_lines[key] = target.value_lines[key] = row


def _table(sheet: str, rows: list[tuple[int, tuple[Any, ...]]], head: int, lay: Layout,
           cells: CellMap) -> LineList:
    header_row, header = rows[head]
    by_label = lay.column_labels()
    where: list[tuple[int, Column | None, str]] = []  # column index, column, header text
    for i, v in enumerate(header):
        text = _clean_label(v)
        if text:
            where.append((i, by_label.get(text), text))
    assert lay.table is not None
    cells[(header_row, lay.table.key)] = cells[(header_row, None)] = _ref(sheet, 1, header_row)
    nested = next((f for f in lay.table.fields if f.type == "table"), None)
    out = LineList(header_row)
    last: LineMap | None = None
    for n, values in rows[head + 1:]:
        own = LineMap(n)
        sub = LineMap(n)
        for i, col, text in where:
            raw = values[i] if i < len(values) else None
            ref = _ref(sheet, i + 1, n)
            if col is None:
                if raw is not None and str(raw).strip():  # a column the form does not know
                    own[text] = convert(raw, _TEXT)
                    own.key_lines[text] = own.value_lines[text] = n
                    cells[(n, text)] = ref
                continue
            cells[(n, col.path[-1])] = ref
            value = convert(raw, col.field)
            if value is None:
                continue
            target = sub if len(col.path) == 2 else own
            target[col.path[-1]] = value
            target.key_lines[col.path[-1]] = target.value_lines[col.path[-1]] = n
        cells[(n, None)] = _ref(sheet, 1, n)
        if not own and not sub:
            continue
        if nested is not None:
            if not own and last is not None:  # a further deduction of the item above
                rows_of = last[nested.key]
                rows_of.append(sub)
                rows_of.item_lines.append(n)
                continue
            deductions = LineList(n)
            if sub:
                deductions.append(sub)
                deductions.item_lines.append(n)
            own[nested.key] = deductions
            own.key_lines[nested.key] = own.value_lines[nested.key] = n
        out.append(own)
        out.item_lines.append(n)
        last = own
    return out


_TEXT = FormField(key="", label="", type="text")
