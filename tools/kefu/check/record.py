"""Reading one filled-in record against its form definition.

The form in ``procedures/forms/records.yaml`` says which keys exist, which
are required and what each value is; this module turns the loaded YAML into
:class:`Node` objects holding only values that are good, and reports every
other one as ``unknown-key``, ``missing-key`` or ``bad-value``.  Rules then
never see a malformed value, so a typo produces one clear finding instead of
a crash or a rule silently switched off.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kefu.check.workdays import TimeError, Window, end_of_day, parse_clock, parse_date, parse_full
from kefu.codes import Text
from kefu.findings import hint
from kefu.load import LineList, LineMap
from kefu.model import Form, FormField
from kefu.variant import to_simplified

#: (code, line, entry, field, variant, params) -> None: how the reader reports a problem (kefu.codes)
Report = Callable[[str, "int | None", "int | str | None", "str | None", str, "dict[str, Any]"], None]

#: top-level keys of a record that define the window bare HH:MM values are placed in
WINDOW_KEYS = ("date", "start", "end")

_TRUE = {"是", "yes", "Yes", "YES", "true", "True", "已签", "y", "Y"}
_FALSE = {"否", "no", "No", "NO", "false", "False", "未签", "n", "N"}


@dataclass(slots=True)
class Value:
    """A good scalar value: what it means, how it was written, where."""

    v: Any
    raw: str
    line: int


@dataclass(slots=True)
class Node:
    """A mapping of a record (the record, an entry, an item) with only its good values."""

    line: int
    values: dict[str, Any] = field(default_factory=dict)  # key -> Value | list[Value] | list[Node] | Node
    lines: dict[str, int] = field(default_factory=dict)
    bad: set[str] = field(default_factory=set)
    entry: int | str | None = None

    def get(self, key: str) -> Any:
        """The value of ``key`` (datetime, str, int ...), None when missing or bad."""
        value = self.values.get(key)
        return value.v if isinstance(value, Value) else value

    def raw(self, key: str) -> str:
        value = self.values.get(key)
        return value.raw if isinstance(value, Value) else ""

    def line_of(self, key: str) -> int:
        """Line of the value, or of this mapping when the key is missing."""
        return self.lines.get(key, self.line)

    def has(self, key: str) -> bool:
        return key in self.values

    def given(self, key: str) -> bool:
        """Written in the record, good or bad (a bad value is not "missing")."""
        return key in self.values or key in self.bad


@dataclass
class Reader:
    """Validates one record; ``report`` receives every problem."""

    form: Form
    tz: dt.tzinfo
    report: Report
    lang: str = "zh"
    window: Window | None = None
    _keys: dict[int, dict[str, FormField]] = field(default_factory=dict)  # fields list -> by key

    def say(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    # ------------------------------------------------------------------ entry point

    def read(self, data: LineMap) -> Node:
        fields = self.form.fields
        keys = {f.key for f in fields}
        if all(k in keys for k in WINDOW_KEYS):
            self.window = self._window(data, fields)
        return self.node(data, fields, None, top=True)

    def _window(self, data: LineMap, fields: list[FormField]) -> Window | None:
        """The shift window from date/start/end, when all three are good."""
        parts: dict[str, Any] = {}
        for key in WINDOW_KEYS:
            raw = data.get(key)
            if raw is None or isinstance(raw, (dict, list)):
                return None
            try:
                parts[key] = parse_date(str(raw)) if key == "date" else parse_clock(str(raw))
            except TimeError:
                return None
            if parts[key] is None:
                return None
        return Window.of(parts["date"], parts["start"], parts["end"], self.tz)

    # ------------------------------------------------------------------ mappings

    def node(self, data: LineMap, fields: list[FormField], entry: int | str | None,
             top: bool = False) -> Node:
        out = Node(data.line, entry=entry)
        by_key = self._keys.get(id(fields))
        if by_key is None:
            by_key = self._keys[id(fields)] = {f.key: f for f in fields}
        for key in data:
            if key not in by_key:
                near = hint(str(key), by_key)
                self.report("unknown-key", data.key_lines.get(key, data.line), entry, str(key), "",
                            {"key": str(key), "near": near})
        for f in fields:
            if f.key not in data or data[f.key] is None:
                if f.required:
                    line = data.value_lines.get(f.key, data.line)
                    self.report("missing-key", line, entry, f.key, "", {"key": f.key, "label": f.label})
                continue
            line = data.value_lines.get(f.key, data.line)
            out.lines[f.key] = line
            clock = top and f.key in WINDOW_KEYS
            value = self.value(f, data[f.key], line, entry, clock)
            if value is None:
                out.bad.add(f.key)
            else:
                out.values[f.key] = value
        return out

    # ------------------------------------------------------------------ values

    def bad(self, f: FormField, line: int, entry: int | str | None, key: str, zh: str, en: str) -> None:
        self.report("bad-value", line, entry, key, "", {"key": key, "label": f.label, "detail": Text(zh, en)})

    def value(self, f: FormField, raw: Any, line: int, entry: int | str | None,
              clock: bool = False, key: str | None = None) -> Any:
        """The converted value, or None after reporting a ``bad-value``."""
        key = key or f.key
        t = f.type
        if t == "table":
            return self.table(f, raw, line, entry)
        if t == "mapping":
            if not isinstance(raw, LineMap):
                self.bad(f, line, entry, key, "应为“键: 值”的映射", "expected a mapping of keys")
                return None
            return self.node(raw, f.fields, entry)
        if t == "list":
            return self.list(f, raw, line, entry)
        if isinstance(raw, (dict, list)):
            self.bad(f, line, entry, key, "应为单个值，不是列表或映射",
                     "expected a single value, not a list or mapping")
            return None
        text = raw if isinstance(raw, str) else _text(raw)
        converted = self.scalar(f, raw, text.strip(), line, entry, key, clock)
        if converted is None:
            return None
        return Value(converted, text.strip(), line)

    def scalar(self, f: FormField, raw: Any, text: str, line: int, entry: int | str | None,
               key: str, clock: bool) -> Any:
        t = f.type
        if t in ("string", "text"):
            if not text and f.required:
                self.report("missing-key", line, entry, key, "empty", {"key": key, "label": f.label})
                return None
            return text
        if t == "integer":
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            if isinstance(raw, str) and text.isdigit():
                return int(text)
            self.bad(f, line, entry, key, f"应为整数，实为 “{text}”", f"expected a whole number, got '{text}'")
            return None
        if t in ("number", "score"):
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                return raw
            try:
                return float(text) if isinstance(raw, str) else _fail()
            except ValueError:
                self.bad(f, line, entry, key, f"应为数字，实为 “{text}”", f"expected a number, got '{text}'")
                return None
        if t == "boolean":
            if isinstance(raw, bool):
                return raw
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            self.bad(f, line, entry, key, f"应为 true 或 false（是/否），实为 “{text}”",
                     f"expected true or false, got '{text}'")
            return None
        if t == "enum":
            choice = f.choice(text)
            if choice is None and not text.isascii():  # 投訴、報修、電話: a traditional-Chinese label
                choice = f.choice(to_simplified(text))
            if choice is None:
                allowed = "、".join(f"{c.value} {c.label}" for c in f.choices)
                names = [c.value for c in f.choices] + [c.label for c in f.choices]
                near = hint(text, names)
                self.bad(f, line, entry, key, f"“{text}” 不是允许的值{near.zh}；可填：{allowed}",
                         f"'{text}' is not an allowed value{near.en}; allowed: "
                         + ", ".join(c.value for c in f.choices))
                return None
            return choice.value
        if t == "date":
            try:
                day = parse_date(text)
            except TimeError as exc:
                self.bad(f, line, entry, key, exc.zh, exc.en)
                return None
            if day is None:
                self.bad(f, line, entry, key, f"应为日期 YYYY-MM-DD，实为 “{text}”",
                         f"expected a date YYYY-MM-DD, got '{text}'")
            return day
        if t in ("time", "datetime"):
            return self.moment(f, raw, text, line, entry, key, clock)
        return text  # pragma: no cover - every FieldType is handled above

    def moment(self, f: FormField, raw: Any, text: str, line: int, entry: int | str | None,
               key: str, clock: bool) -> Any:
        """A time: a clock (the window itself), placed in the window, full, or a date (23:59)."""
        if not isinstance(raw, str):
            self.bad(f, line, entry, key, f"应为时间 HH:MM 或 YYYY-MM-DD HH:MM，实为 “{text}”（请加引号）",
                     f"expected a time HH:MM or YYYY-MM-DD HH:MM, got '{text}' (quote it)")
            return None
        try:
            bare = parse_clock(text)
            if bare is not None:
                if clock:
                    return bare
                if self.window is None:
                    self.bad(f, line, entry, key, f"“{text}” 须写完整的日期和时间 YYYY-MM-DD HH:MM",
                             f"'{text}' must be written in full, YYYY-MM-DD HH:MM")
                    return None
                placed = self.window.place(bare)
                if placed is None:
                    w = self.window
                    self.bad(f, line, entry, key,
                             f"“{text}” 不在本班时间 {w.start:%H:%M}–{w.end:%H:%M} 内；本班以外的时间请写完整日期 "
                             f"YYYY-MM-DD HH:MM",
                             f"'{text}' is outside the shift {w.start:%H:%M}-{w.end:%H:%M}; write times "
                             f"outside the shift in full, YYYY-MM-DD HH:MM")
                return placed
            full = parse_full(text, self.tz)
            if full is not None:
                return full
            if f.type == "datetime":
                day = parse_date(text)
                if day is not None:
                    return end_of_day(day, self.tz)
        except TimeError as exc:
            self.bad(f, line, entry, key, exc.zh, exc.en)
            return None
        expected = "HH:MM" if clock else "HH:MM 或 YYYY-MM-DD HH:MM"
        self.bad(f, line, entry, key, f"应为时间 {expected}，实为 “{text}”",
                 f"expected a time {expected.replace('或', 'or')}, got '{text}'")
        return None

    def list(self, f: FormField, raw: Any, line: int, entry: int | str | None) -> list[Value] | None:
        """A list of scalars; one scalar is taken as a list of one (``staff: 王芳``)."""
        item = FormField(key=f.key, label=f.label, type=f.items or "string", choices=f.choices)
        if isinstance(raw, LineMap):
            self.bad(f, line, entry, f.key, "应为列表 [ ... ]", "expected a list [ ... ]")
            return None
        items: list[tuple[Any, int]]
        if isinstance(raw, LineList):
            items = [(v, raw.line_of(i)) for i, v in enumerate(raw)]
        else:
            items = [(raw, line)]
        out = []
        for value, at in items:
            if value is None:
                continue
            converted = self.value(item, value, at, entry)
            if converted is not None:
                out.append(converted)
        if f.min_items and len(out) < f.min_items and len(items) < f.min_items:
            self.bad(f, line, entry, f.key, f"至少填写 {f.min_items} 项", f"needs at least {f.min_items} item(s)")
            return None
        return out

    def table(self, f: FormField, raw: Any, line: int, entry: int | str | None) -> builtins.list[Node] | None:
        """Rows of a table; a row's ``no`` (or its position) names it in findings."""
        if not isinstance(raw, LineList):
            self.bad(f, line, entry, f.key, "应为列表，每项一行 “- ...”", "expected a list of rows '- ...'")
            return None
        rows = []
        for i, row in enumerate(raw):
            at = raw.line_of(i)
            if not isinstance(row, LineMap):
                self.bad(f, at, entry if entry is not None else i + 1, f.key,
                         "每一行应为“键: 值”的映射", "each row must be a mapping of keys")
                continue
            name: int | str | None = entry
            if entry is None:
                no = row.get("no")
                name = no if isinstance(no, int) and not isinstance(no, bool) else i + 1
            rows.append(self.node(row, f.fields, name))
        return rows


def _fail() -> Any:
    raise ValueError


def _text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)
