"""``kefu new FORM --format xlsx``: the blank record as an Excel workbook.

The people who fill shift logs in work in WPS or Excel.  The workbook has the
record's header fields on top as label/value pairs, one row per entry under
Chinese column headers, a drop-down list for every enumeration (its Chinese
labels, from the form definition) and time cells formatted ``hh:mm`` so a
typed ``23:40`` stays a time.  The layout comes from
:func:`kefu.load.xlsx.layout`, the same one the reader uses, so a template
and the checker can never disagree about where a field is.
"""

from __future__ import annotations

import io
from typing import Any

from kefu.check.new import _TYPE_HINT
from kefu.load.xlsx import FORM_KEY, Layout, form_label, layout
from kefu.model import Form, FormField, Handbook

#: label/value pairs per header row (columns A-H)
PAIRS = 4
#: rows below the table header that get drop-downs and time formats
VALIDATED_ROWS = 500
_FORMATS = {"time": "hh:mm", "datetime": "yyyy-mm-dd hh:mm", "date": "yyyy-mm-dd",
            "integer": "0", "number": "General", "score": "General"}
_WIDE = {"content": 36, "notes": 30, "summary": 40, "actions": 30, "result": 30, "note": 30}


def _choices(f: FormField) -> list[str]:
    if f.type == "enum" or (f.type == "list" and f.items == "enum"):
        return [c.label for c in f.choices]
    if f.type == "boolean":
        return ["是", "否"]
    return []


def _prompt(f: FormField) -> str:
    parts = []
    if f.required:
        parts.append("必填")
    hint = _TYPE_HINT.get(f.type)
    if f.type == "time":
        hint = "时间，如 23:40（本班以外写 2026-11-23 09:00）"
    if hint and f.type != "boolean":
        parts.append(hint)
    if f.type == "list":
        parts.append("多个用顿号“、”隔开")
    if f.help:
        parts.append(f.help)
    return "；".join(parts)[:250]


class _Lists:
    """Drop-down sources: inline when short, else a hidden sheet (Excel caps inline lists at 255 characters)."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.sheet: Any = None
        self.col = 0

    def formula(self, values: list[str]) -> str:
        inline = ",".join(values)
        if len(inline) <= 250 and not any("," in v or '"' in v for v in values):
            return f'"{inline}"'
        from openpyxl.utils import get_column_letter

        if self.sheet is None:
            self.sheet = self.wb.create_sheet("选项")
            self.sheet.sheet_state = "hidden"
        self.col += 1
        for i, v in enumerate(values, 1):
            self.sheet.cell(row=i, column=self.col, value=v)
        letter = get_column_letter(self.col)
        return f"选项!${letter}$1:${letter}${len(values)}"


def _validate(ws: Any, lists: _Lists, f: FormField, ref: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    values = _choices(f)
    prompt = _prompt(f)
    if values:
        dv = DataValidation(type="list", formula1=lists.formula(values), allow_blank=True,
                            showDropDown=False, errorStyle="warning", showErrorMessage=True,
                            error="请从下拉列表中选择", errorTitle=f.label)
    elif prompt:
        dv = DataValidation(allow_blank=True)
    else:
        return
    if prompt:
        dv.promptTitle, dv.prompt, dv.showInputMessage = f.label[:32], prompt, True
    dv.add(ref)
    ws.add_data_validation(dv)


def _prefill(book: Handbook, form: Form, date: str | None, shift: str | None,
             role: str | None) -> tuple[dict[tuple[str, ...], Any], list[dict[str, Any]]]:
    """Values the template starts with (as in the YAML blank), and rows of the table."""
    values: dict[tuple[str, ...], Any] = {(FORM_KEY,): form_label(form)}
    if book.company.estates and any(f.key == "project" for f in form.fields):
        values[("project",)] = book.company.estate
    if date:
        values[("date",)] = date
    rows: list[dict[str, Any]] = []
    if form.id == "shift-log" and shift:
        values[("shift",)] = shift
        window = next((s for s in book.company.shifts if s.name == shift), None)
        if window is not None:
            values[("start",)], values[("end",)] = window.start, window.end
            values[("handover", "at")] = window.end
    if form.id == "inspection" and role:
        values[("role",)] = role
        found = book.role_named(role)
        scheme = book.evaluation_of(found.id) if found else None
        if scheme is not None:
            values[("role",)] = found.name if found else role
            rows = [{"component": c.name, "max": c.max} for c in scheme.components]
    return values, rows


def workbook(book: Handbook, form: Form, date: str | None = None, shift: str | None = None,
             role: str | None = None) -> bytes:
    """The blank record as .xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    lay: Layout = layout(form)
    values, prefill_rows = _prefill(book, form, date, shift, role)
    wb = Workbook()
    ws = wb.active
    ws.title = lay.sheet
    wb.properties.title = form.title
    wb.properties.subject = f"kefu:{form.id}"
    wb.properties.creator = "kefu"
    lists = _Lists(wb)
    bold = Font(bold=True)
    label_fill = PatternFill("solid", fgColor="EEF3F8")
    head_fill = PatternFill("solid", fgColor="D9E4F0")
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    ws.cell(row=1, column=1, value=f"{form.title}（填好后运行 kefu check 检查；不写身份证号和完整车牌号）").font = \
        Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=PAIRS * 2)
    row = 2
    groups: list[list[tuple[str, tuple[str, ...], FormField]]] = [[]]
    for item in lay.header:
        if len(groups[-1]) and len(item[1]) != len(groups[-1][-1][1]):
            groups.append([])  # a mapping (交接班记录) starts its own rows
        groups[-1].append(item)
    for group in groups:
        for i, (label, fpath, f) in enumerate(group):
            if i and i % PAIRS == 0:
                row += 1
            col = (i % PAIRS) * 2 + 1
            cell = ws.cell(row=row, column=col, value=label)
            cell.font, cell.fill, cell.border = Font(bold=f.required), label_fill, box
            target = ws.cell(row=row, column=col + 1, value=values.get(fpath))
            target.border = box
            target.number_format = _FORMATS.get(f.type, "@")
            if f.type in ("time", "datetime", "date") and isinstance(target.value, str):
                target.number_format = "@"  # prefilled text stays text
            _validate(ws, lists, f, f"{get_column_letter(col + 1)}{row}")
        row += 1
    if lay.table is not None:
        row += 1
        ws.cell(row=row, column=1, value=f"{lay.table.label}：每件事一行，填完一行再填下一行").font = bold
        row += 1
        head = row
        for i, c in enumerate(lay.columns, 1):
            cell = ws.cell(row=head, column=i, value=c.label)
            cell.font, cell.fill, cell.border = bold, head_fill, box
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            letter = get_column_letter(i)
            ws.column_dimensions[letter].width = max(_WIDE.get(c.path[-1], 0), len(c.label) * 2 + 2, 10)
            first, last = head + 1, head + VALIDATED_ROWS
            _validate(ws, lists, c.field, f"{letter}{first}:{letter}{last}")
            fmt = _FORMATS.get(c.field.type, "@")
            for r in range(first, first + max(lay.table.rows, len(prefill_rows))):
                ws.cell(row=r, column=i).number_format = fmt
                ws.cell(row=r, column=i).border = box
        for r, values_of_row in enumerate(prefill_rows, head + 1):
            for i, c in enumerate(lay.columns, 1):
                if c.path[-1] in values_of_row and len(c.path) == 1:
                    ws.cell(row=r, column=i, value=values_of_row[c.path[-1]])
        ws.freeze_panes = ws.cell(row=head + 1, column=1)
        ws.auto_filter.ref = f"A{head}:{get_column_letter(len(lay.columns))}{head + VALIDATED_ROWS}"
        ws.row_dimensions[head].height = 32
    else:
        ws.column_dimensions["B"].width = 40
    for col in range(1, PAIRS * 2 + 1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, 14)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
