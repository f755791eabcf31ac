"""``kefu new``: a blank record to fill in, generated from its form definition.

Staff fill records in a text editor; a blank with every key present and a
Chinese comment saying what goes there (and which values are allowed) is
the surest way to a record ``kefu check`` reads.  Because it is generated
from ``procedures/forms/records.yaml`` it can never drift from the checker.
"""

from __future__ import annotations

import json
from typing import Any

from kefu.model import Form, FormField, Handbook

_TYPE_HINT = {
    "time": "时间 HH:MM（本班以外写 YYYY-MM-DD HH:MM）",
    "datetime": "YYYY-MM-DD HH:MM",
    "date": "日期 YYYY-MM-DD",
    "integer": "整数",
    "number": "数字",
    "score": "分数",
    "boolean": "true 或 false",
}


def _scalar(value: Any) -> str:
    """A YAML scalar that reads back as the same string (times and dates quoted)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _comment(f: FormField) -> str:
    parts = [f.label]
    if f.required:
        parts.append("必填")
    if f.type == "enum":
        parts.append("可填：" + " / ".join(f"{c.value} {c.label}" for c in f.choices))
    elif f.type == "list":
        item = _TYPE_HINT.get(f.items or "string", "")
        parts.append(f"列表 [ ... ]{'，每项' + item if item else ''}")
    elif f.type in _TYPE_HINT and not (f.help and ("HH:MM" in f.help or "YYYY" in f.help)):
        parts.append(_TYPE_HINT[f.type])
    if f.help:
        parts.append(f.help)
    return "# " + "；".join(parts)


def _lines(fields: list[FormField], values: dict[str, Any], indent: str) -> list[str]:
    out: list[str] = []
    for f in fields:
        out.append(f"{indent}{_comment(f)}")
        value = values.get(f.key)
        if f.type == "table":
            rows = value if isinstance(value, list) else [{}]
            if not rows:
                out.append(f"{indent}{f.key}: []")
                continue
            out.append(f"{indent}{f.key}:")
            for row in rows:
                inner = _lines(f.fields, row, indent + "    ")
                first = next(i for i, line in enumerate(inner) if not line.lstrip().startswith("#"))
                inner[first] = indent + "  - " + inner[first][len(indent) + 4:]
                out += inner
        elif f.type == "mapping":
            out.append(f"{indent}{f.key}:")
            out += _lines(f.fields, value if isinstance(value, dict) else {}, indent + "  ")
        elif f.type == "list":
            items = value if isinstance(value, list) else []
            out.append(f"{indent}{f.key}: [{', '.join(_scalar(v) for v in items)}]")
        else:
            text = _scalar(value)
            out.append(f"{indent}{f.key}:{' ' + text if text else ''}")
    return out


def blank(book: Handbook, form: Form, date: str | None = None, shift: str | None = None,
          role: str | None = None) -> str:
    """The blank record as YAML text with Chinese comments."""
    values: dict[str, Any] = {"form": form.id, "project": book.company.estate if book.company.estates else None}
    if date:
        values["date"] = date
    if form.id == "shift-log":
        values["entries"] = [{}]
        if shift:
            values["shift"] = shift
            window = next((s for s in book.company.shifts if s.name == shift), None)
            if window is not None:  # the company's shift windows, from kefu.yaml
                values["start"], values["end"] = window.start, window.end
                values["handover"] = {"at": window.end, "open": []}
        values.setdefault("handover", {"open": []})
    if form.id == "inspection":
        values["items"] = [{}]
        if role:
            values["role"] = role
            found = book.role_named(role)
            scheme = book.evaluation_of(found.id) if found else None
            if scheme is not None:
                values["items"] = [{"component": c.name, "max": c.max, "deductions": []}
                                   for c in scheme.components]
                values["role"] = found.name if found else role
    head = [f"# {form.title}（{form.id}）：填好后运行 kefu check 检查。",
            "# 不要写完整的身份证号和车牌号；电话写成 138****5678。"]
    return "\n".join(head + _lines(form.fields, values, "")) + "\n"
