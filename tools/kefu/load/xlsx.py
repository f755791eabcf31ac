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
import io
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

#: a self-closing cell with its reference and no value: nothing to read
_EMPTY_CELL = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,7}"(?:\s+[st]="[0-9a-zA-Z]*")*\s*/>')

class CellMap(dict[tuple[int, "str | None"], str]):
    """(row, key) -> ``值班记录!F12``; the cells of entry rows are worked out when asked for.

    Naming every cell of every entry row up front cost more than reading the
    sheet; findings ask for a handful.
    """

    def __init__(self) -> None:
        super().__init__()
        self.sheet = ""
        self.first_row = 0  # rows after the table's header row
        self.columns: dict[str, int] = {}  # key -> 1-based column of the table

    def _table_cell(self, row: int, key: str | None) -> str | None:
        if not self.first_row or row < self.first_row:
            return None
        col = 1 if key is None else self.columns.get(key)
        return _ref(self.sheet, col, row) if col else None

    def __missing__(self, key: tuple[int, str | None]) -> str:
        found = self._table_cell(*key)
        if found is None:
            raise KeyError(key)
        return found

    def get(self, key: tuple[int, str | None], default: Any = None) -> Any:
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        found = self._table_cell(*key)
        return default if found is None else found

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or (isinstance(key, tuple) and len(key) == 2
                                                and self._table_cell(*key) is not None)


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


#: uncompressed size beyond which a part of the workbook is refused (a zip bomb, not a shift log)
MAX_PART = 64 * 1024 * 1024
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


#: Excel's day zero (1900 system, with its fictitious 1900-02-29 before day 61) and the Mac 1904 system
_EPOCH_1900, _EPOCH_1904 = dt.datetime(1899, 12, 30), dt.datetime(1904, 1, 1)
#: built-in number formats that show dates or times (ECMA-376 18.8.30, and the CJK locales' 27-36, 50-58)
_DATE_FORMAT_IDS = {*range(14, 23), 45, 46, 47, *range(27, 37), *range(50, 59)}
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_COORD = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _is_date_format(code: str) -> bool:
    """A number format that shows a date or a time: d, m, y, h or s outside quotes and [colours]."""
    bare = _QUOTED.sub("", code.split(";")[0])
    return bool(re.search(r"[dmyhs]", bare, re.I)) or bool(re.search(r"\[h+\]|\[m+\]|\[s+\]", code, re.I))


def _is_elapsed(code: str) -> bool:
    return bool(re.search(r"\[h+\]|\[m+\]|\[s+\]", code, re.I))


def _column(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _coordinate(ref: str) -> tuple[int, int]:
    """(row, column) of ``F12``."""
    m = _COORD.match(ref)
    if not m:
        raise ValueError(f"bad cell reference {ref!r}")
    return int(m.group(2)), _column(m.group(1))


def _range(ref: str) -> tuple[int, int, int, int]:
    """(min_col, min_row, max_col, max_row) of ``B3:D5``."""
    first, _, last = ref.partition(":")
    r1, c1 = _coordinate(first)
    r2, c2 = _coordinate(last or first)
    return min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)


def _from_excel(value: float, epoch: dt.datetime, elapsed: bool) -> Any:
    """A serial number as Excel shows it: a time of day below 1, else a date and time (to the second)."""
    if elapsed:
        return dt.timedelta(days=value)
    if 0 <= value < 1:
        return (_EPOCH_1900 + dt.timedelta(seconds=round(value * 86400))).time()
    if epoch == _EPOCH_1900 and value < 60:
        value += 1  # Excel counts the 29 February 1900 that never was
    return epoch + dt.timedelta(seconds=round(value * 86400))


def _from_iso(text: str) -> Any:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text


@dataclass
class Sheet:
    """One worksheet of the workbook: its name, whether it is shown, and where its XML is."""

    name: str
    visible: bool
    part: str


class Workbook:
    """The parts of an .xlsx a record needs, read straight from the zip (never written).

    openpyxl's reader builds every style, validation and view object of the
    template, which made reading a workbook eight times slower than reading
    the same record as YAML; a record needs only the cells, the shared
    strings, which styles are dates, and the merged ranges.
    """

    def __init__(self, path: Path, shown: str) -> None:
        self.shown = shown
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise self.broken(exc) from None
        try:
            self.sheets, self.epoch = self._workbook()
            self.strings = self._strings()
            self.dates, self.deltas = self._styles()
        except LoadError:
            self.zip.close()
            raise
        except Exception as exc:
            self.zip.close()
            raise self.broken(exc) from None

    def broken(self, exc: Exception) -> LoadError:
        return _err(self.shown, f"Excel 文件已损坏或不完整，无法打开（{type(exc).__name__}）",
                    f"the workbook is corrupt or incomplete ({type(exc).__name__})")

    def close(self) -> None:
        self.zip.close()

    def _part(self, name: str) -> Any:
        info = self.zip.getinfo(name)
        if info.file_size > MAX_PART:
            raise _err(self.shown, f"工作簿里的 {name} 过大（{info.file_size // 1024 // 1024} MB），不是一张记录表",
                       f"part {name} of the workbook is too large for a record")
        return self.zip.open(info)

    def _workbook(self) -> tuple[list[Sheet], Any]:
        import xml.etree.ElementTree as ET

        names = set(self.zip.namelist())
        if "xl/workbook.xml" not in names:
            raise _err(self.shown, "不是 Excel 工作簿（.xlsx）：缺少 xl/workbook.xml（可能是其他软件的压缩文件）",
                       "not an .xlsx workbook (no xl/workbook.xml)")
        targets: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in names:
            with self._part("xl/_rels/workbook.xml.rels") as fh:
                for rel in ET.parse(fh).getroot().iter(f"{_PKG}Relationship"):
                    target = rel.get("Target", "")
                    target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                    targets[rel.get("Id", "")] = target
        with self._part("xl/workbook.xml") as fh:
            root = ET.parse(fh).getroot()
        pr = root.find(f"{_NS}workbookPr")
        epoch = _EPOCH_1904 if pr is not None and pr.get("date1904") in ("1", "true") else _EPOCH_1900
        sheets = []
        for el in root.iter(f"{_NS}sheet"):
            part = targets.get(el.get(_REL, ""), "")
            if part in names:
                sheets.append(Sheet(el.get("name", ""), el.get("state", "visible") == "visible", part))
        return sheets, epoch

    def _strings(self) -> list[str]:
        import xml.etree.ElementTree as ET

        if "xl/sharedStrings.xml" not in self.zip.namelist():
            return []
        out: list[str] = []
        si, t_tag, ph_tag = f"{_NS}si", f"{_NS}t", f"{_NS}rPh"
        with self._part("xl/sharedStrings.xml") as fh:
            for _, el in ET.iterparse(fh):
                if el.tag == si:
                    phonetic = {id(x) for ph in el.iter(ph_tag) for x in ph.iter(t_tag)}
                    out.append("".join(t.text or "" for t in el.iter(t_tag) if id(t) not in phonetic))
                    el.clear()
        return out

    def _styles(self) -> tuple[set[int], set[int]]:
        """Indexes of cell styles that show a date or time (so their numbers are dates)."""
        import xml.etree.ElementTree as ET

        if "xl/styles.xml" not in self.zip.namelist():
            return set(), set()
        with self._part("xl/styles.xml") as fh:
            root = ET.parse(fh).getroot()
        formats = {int(el.get("numFmtId", "0")): el.get("formatCode", "") for el in root.iter(f"{_NS}numFmt")}
        dates, deltas = set(), set()
        xfs = root.find(f"{_NS}cellXfs")
        for i, xf in enumerate(xfs.findall(f"{_NS}xf") if xfs is not None else []):
            fid = int(xf.get("numFmtId", "0"))
            code = formats.get(fid, "")
            if (fid in _DATE_FORMAT_IDS and fid not in formats) or (code and _is_date_format(code)):
                dates.add(i)
                if fid == 46 or (code and _is_elapsed(code)):
                    deltas.add(i)
        return dates, deltas

    def rows(self, sheet: Sheet) -> list[tuple[int, tuple[Any, ...]]]:
        """(row number, values) of every row with something in it; merged ranges filled in.

        A merged cell's value counts for every cell it covers, as the person
        who merged it sees it.  More than MAX_ROWS rows is not a record.
        """
        import xml.etree.ElementTree as ET

        rows: dict[int, list[Any]] = {}
        merged: list[str] = []
        c_tag, v_tag, is_tag, t_tag = f"{_NS}c", f"{_NS}v", f"{_NS}is", f"{_NS}t"
        row_tag, merge_tag = f"{_NS}row", f"{_NS}mergeCell"
        strings, dates, deltas, epoch = self.strings, self.dates, self.deltas, self.epoch
        with self._part(sheet.part) as fh:
            # the template's empty styled cells (<c r="B40" s="3"/>) hold nothing and are most of a sheet:
            # dropped before parsing rather than walked one by one (a cell without r= is kept, it counts)
            data = _EMPTY_CELL.sub(b"", fh.read())
        n = col = 0
        for _, el in ET.iterparse(io.BytesIO(data)):
            tag = el.tag
            if tag == c_tag:
                if not len(el):  # a styled cell with nothing in it (the template's empty rows)
                    if "r" not in el.attrib:
                        col += 1
                    el.clear()
                    continue
                ref = el.get("r")
                if ref:
                    n, col = _coordinate(ref)
                else:
                    col += 1
                t = el.get("t", "n")
                value: Any = None
                if t == "inlineStr":
                    node = el.find(is_tag)
                    value = "".join(x.text or "" for x in node.iter(t_tag)) if node is not None else None
                else:
                    v = el.find(v_tag)
                    raw = v.text if v is not None else None
                    if raw is None:
                        value = None
                    elif t == "s":
                        value = strings[int(raw)]
                    elif t == "b":
                        value = raw.strip() in ("1", "true")
                    elif t in ("str", "e"):
                        value = raw
                    elif t == "d":
                        value = _from_iso(raw)
                    else:
                        number = float(raw)
                        plain = number.is_integer() and "." not in raw and "e" not in raw.lower()
                        value = int(number) if plain else number
                        if int(el.get("s", "0")) in dates:
                            try:
                                value = _from_excel(number, epoch, int(el.get("s", "0")) in deltas)
                            except (OverflowError, ValueError):
                                value = "#VALUE!"
                el.clear()
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                row = rows.get(n)
                if row is None:
                    row = rows[n] = []
                    if len(rows) > MAX_ROWS:
                        raise _err(self.shown, f"工作表“{sheet.name}”有超过 {MAX_ROWS} 行内容，不是一张记录表"
                                   "（每班一个文件）",
                                   f"sheet '{sheet.name}' has more than {MAX_ROWS} rows; not a record", n)
                if len(row) < col:
                    row.extend([None] * (col - len(row)))
                row[col - 1] = value
            elif tag == row_tag:
                r = el.get("r")
                if r:
                    n = int(r)
                col = 0
                el.clear()
            elif tag == merge_tag:
                merged.append(el.get("ref", ""))
        for rng in merged:
            try:
                min_col, min_row, max_col, max_row = _range(rng)
            except (ValueError, TypeError):
                continue
            first = rows.get(min_row, [])
            value = first[min_col - 1] if min_col - 1 < len(first) else None
            if value is None:
                continue
            for r_no in range(min_row, min(max_row, min_row + MAX_ROWS) + 1):
                row = rows.setdefault(r_no, [])
                if len(row) < max_col:
                    row.extend([None] * (max_col - len(row)))
                for c in range(min_col, max_col + 1):
                    if row[c - 1] is None:
                        row[c - 1] = value
        return [(n, tuple(rows[n])) for n in sorted(rows)]


def _open(p: Path, shown: str) -> Workbook:
    _sniff(p, shown)
    return Workbook(p, shown)


def _letter(col: int) -> str:
    """``F`` for column 6 (openpyxl is not imported to read a record: it costs more than reading one)."""
    out = ""
    while col > 0:
        col, r = divmod(col - 1, 26)
        out = chr(65 + r) + out
    return out or "?"


def _ref(sheet: str, col: int, row: int) -> str:
    """``值班记录!F12``; a sheet name with spaces or punctuation is quoted, as Excel writes it."""
    name = sheet if re.fullmatch(r"[\w\u4e00-\u9fff]+", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{name}!{_letter(col)}{row}"


def _find_form(rows: list[tuple[int, tuple[Any, ...]]], forms: Mapping[str, Form], shown: str = "",
               sheet: str = "") -> Form | None:
    """The form named in the sheet's 表单 cell (its Chinese name, an alias or its id).

    A 表单 cell naming no known form is an error naming that cell (a clerk
    who typed 值班表 over 值班记录表 should hear which names work).
    """
    marker_labels = {FORM_KEY}
    for form in forms.values():
        marker = next((f for f in form.fields if f.key == FORM_KEY), None)
        if marker is not None:
            marker_labels.add(marker.label)
    for n, values in rows[:40]:
        for i, v in enumerate(values[:-1]):
            if _clean_label(v) in marker_labels:
                name = values[i + 1]
                if isinstance(name, str) and name.strip() in forms:
                    return forms[name.strip()]
                if name is not None and shown and not forms.get(str(name).strip()):
                    known = sorted({form_label(f) for f in forms.values()})
                    from kefu.findings import did_you_mean

                    near = did_you_mean(str(name), known)
                    raise _err(shown, f"{_ref(sheet, i + 2, n)}：表单“{name}”不是 kefu 的记录表{near}；"
                               f"可填：{'、'.join(known)}", f"{_ref(sheet, i + 2, n)}: unknown form '{name}'", n)
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


def _read(wb: Workbook, shown: str, form: Form | Mapping[str, Form] | None) -> tuple[LineMap, CellMap]:
    for sheet in wb.sheets:
        if not sheet.visible and len(wb.sheets) > 1:
            continue  # the template's hidden list of drop-down values, say
        try:
            rows = wb.rows(sheet)
        except LoadError:
            raise
        except Exception as exc:
            raise _err(shown, f"工作表“{sheet.name}”已损坏，无法读取（{type(exc).__name__}）",
                       f"sheet '{sheet.name}' is corrupt ({type(exc).__name__})") from None
        found: Form | None
        if isinstance(form, Form):
            labels = set(layout(form).header_labels())
            found = form if any(_clean_label(v) in labels for _, values in rows[:40] for v in values) else None
        else:
            found = _find_form(rows, form or {}, shown, sheet.name)
        if found is not None:
            return _record(sheet.name, rows, layout(found), shown)
    raise _err(shown, "不是 kefu 记录表：没有一个工作表有“表单”一栏；"
               "请用 kefu new shift-log --format xlsx 生成的模板填写",
               "not a kefu record workbook: no sheet has a 表单 (form) cell; fill in a template from "
               "kefu new FORM --format xlsx")


def _record(sheet: str, rows: list[tuple[int, tuple[Any, ...]]], lay: Layout,
            shown: str) -> tuple[LineMap, CellMap]:
    cells = CellMap()
    cells.sheet = sheet
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
    cells.first_row = header_row + 1
    for i, col, text in where:
        cells.columns.setdefault(col.path[-1] if col is not None else text, i + 1)
    nested = next((f for f in lay.table.fields if f.type == "table"), None)
    out = LineList(header_row)
    last: LineMap | None = None
    for n, values in rows[head + 1:]:
        own = LineMap(n)
        sub = LineMap(n)
        width = len(values)
        for i, col, text in where:
            raw = values[i] if i < width else None
            if raw is None:
                continue
            if col is None:
                if str(raw).strip():  # a column the form does not know
                    own[text] = convert(raw, _TEXT)
                    own.key_lines[text] = own.value_lines[text] = n
                continue
            value = convert(raw, col.field)
            if value is None:
                continue
            target = sub if len(col.path) == 2 else own
            target[col.path[-1]] = value
            target.key_lines[col.path[-1]] = target.value_lines[col.path[-1]] = n
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
