"""Filling a kefu Excel template as a front-desk employee would (tests and benchmarks).

Values go into the template's cells the way Excel stores what people type:
a typed ``23:40`` is a time, a typed date is a date, enumerations are picked
from the drop-down in Chinese, several names in one cell are separated by 、.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import openpyxl

from kefu.load.xlsx import FORM_KEY, layout
from kefu.model import Form, FormField

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_FULL = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def typed(value: Any, f: FormField) -> Any:
    """What Excel holds after a person typed ``value`` into a cell of field ``f``."""
    if isinstance(value, list):
        if len(value) == 1 and (f.items or "string") != "string":
            return typed(value[0], FormField(key=f.key, label=f.label, type=f.items or "string"))
        return "、".join(str(v) for v in value)  # several values in one cell are text
    if f.type == "enum":
        choice = f.choice(str(value))
        return choice.label if choice else value
    if f.type == "boolean" and isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str) and f.type in ("time", "datetime", "date"):
        try:
            if m := _CLOCK.match(value):
                return dt.time(int(m.group(1)), int(m.group(2)))
            if m := _FULL.match(value):
                return dt.datetime(*map(int, m.groups()))
            if m := _DATE.match(value):
                return dt.date(*map(int, m.groups()))
        except ValueError:
            return value  # an impossible time is typed as text, and Excel keeps it as text
    return value


def fill(template: bytes, form: Form, record: dict[str, Any]) -> openpyxl.Workbook:
    """The template with ``record`` (a YAML record as plain data) written into it."""
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    lay = layout(form)
    labels = {label: (path, f) for label, path, f in lay.header}
    head = None
    for row in ws.iter_rows():
        for cell in row:
            if cell.value in labels:
                path, f = labels[cell.value]
                value: Any = record
                for key in path:
                    value = value.get(key) if isinstance(value, dict) else None
                target = ws.cell(row=cell.row, column=cell.column + 1)
                if path == (FORM_KEY,):
                    continue  # the template already names its form
                target.value = None if value is None else typed(value, f)
        if lay.columns and row[0].value == lay.columns[0].label:
            head = row[0].row
            break
    if lay.table is not None and head is not None:
        known = {c.path[0] for c in lay.columns}
        unknown = sorted({k for e in record.get(lay.table.key) or [] if isinstance(e, dict) for k in e} - known)
        for k in unknown:  # a column the clerk added (a key the form does not know)
            ws.cell(row=head, column=len(lay.columns) + 1 + unknown.index(k), value=k)
        r = head + 1
        for entry in record.get(lay.table.key) or []:
            nested = [c for c in lay.columns if len(c.path) == 2]
            subs = entry.get(nested[0].path[0]) if nested else None
            for i, c in enumerate(lay.columns, 1):
                if len(c.path) == 1:
                    v = entry.get(c.path[0])
                    ws.cell(row=r, column=i, value=None if v is None else typed(v, c.field))
            for k in unknown:
                ws.cell(row=r, column=len(lay.columns) + 1 + unknown.index(k), value=entry.get(k))
            for k, sub in enumerate(subs or []):
                for i, c in enumerate(lay.columns, 1):
                    if len(c.path) == 2:
                        v = sub.get(c.path[1])
                        ws.cell(row=r + k, column=i, value=None if v is None else typed(v, c.field))
            r += max(1, len(subs or []))
        for i, _c in enumerate(lay.columns, 1):  # rows the template prefilled but the record lacks
            for rr in range(r, r + 20):
                if ws.cell(row=rr, column=i).value is not None and record.get(lay.table.key) is not None:
                    ws.cell(row=rr, column=i).value = None
    return wb


def fill_bytes(template: bytes, form: Form, record: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    fill(template, form, record).save(buf)
    return buf.getvalue()
