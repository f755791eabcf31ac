"""KPI arithmetic: the declarations of ``procedures/kpis.yaml`` applied to checked records.

A KPI is data (:class:`kefu.model.Kpi`): which records it counts (``where``),
which of those count as done (``count``) or which value is averaged, and a
target.  Nothing here knows a KPI by name or a target by number.  A share with
an empty denominator has no value (the report shows "—", never 0 % or 100 %),
and a record still pending for a rule named in ``count`` is left out of the
denominator: its deadline has not come yet.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kefu import codes
from kefu.codes import Text
from kefu.findings import Finding, hint, make
from kefu.model import Handbook, Kpi

#: statuses ``kefu check`` reports per rule, and the two ways of being breached
STATUSES = ("met", "breached", "pending", "late", "missing", "applies")
#: what a filter may name, per kind of record (besides ``rules``); items also any enumerated
#: field of the shift-log entries (回访结果 ...), which the check reports merged per item
KEYS = {
    "items": ("type", "channel", "urgency", "validity", "closed", "project"),
    "incidents": ("class", "event", "project"),
    "inspections": ("kind", "role", "staff"),
}
#: the form whose enumerations give each kind's values their Chinese labels
FORMS = {"items": "shift-log", "incidents": "incident-report", "inspections": "inspection"}
#: defaults records.md gives a missing value (a complaint without validity is valid)
DEFAULTS = {"urgency": "normal", "validity": "valid"}


@dataclass
class Result:
    """One KPI over one set of records: numerator/denominator for a share, sum/count for a mean."""

    numerator: float = 0
    denominator: int = 0
    measure: str = "share"

    @property
    def value(self) -> float | None:
        """Percent for a share, points for a mean; None when nothing was counted."""
        if not self.denominator:
            return None
        if self.measure == "share":
            return 100.0 * self.numerator / self.denominator
        return self.numerator / self.denominator


def keys_of(book: Handbook, of: str) -> tuple[str, ...]:
    """What a filter on this kind of record may name."""
    extra: list[str] = []
    form = book.forms.get(FORMS[of])
    if of == "items" and form is not None:
        from kefu.check.items import choice_fields

        extra = [k for k in choice_fields(form) if k not in KEYS[of]]
    return (*KEYS[of], *extra)


def _values(wanted: Any) -> list[Any]:
    return list(wanted) if isinstance(wanted, list) else [wanted]


class Matcher:
    """Filters of one kind of record, with enumeration labels turned into keys once."""

    def __init__(self, book: Handbook, of: str) -> None:
        self.of = of
        self.form = book.forms.get(FORMS[of])
        #: (key, id of a filter's value) -> the values it allows, as keys (a month is thousands of records)
        self._allowed: dict[tuple[str, int], list[Any]] = {}

    def key_of(self, key: str, value: Any) -> Any:
        f = self.form.field(key) if self.form is not None else None
        if f is not None and f.choices and isinstance(value, str):
            c = f.choice(value)
            return c.value if c else value
        return value

    def allowed(self, key: str, wanted: Any) -> list[Any]:
        found = self._allowed.get((key, id(wanted)))
        if found is None:
            found = self._allowed[(key, id(wanted))] = [self.key_of(key, v) for v in _values(wanted)]
        return found

    def status(self, state: dict[str, Any] | None, wanted: str) -> bool:
        if state is None:
            return False
        status = state.get("status")
        if wanted == "applies":
            return status is not None
        if wanted in ("late", "missing"):
            # whether the stop was written at all: "stopped" when the check reports it; without it a
            # breach is taken as missing, so a rate of "done at all" is never overstated
            if status != "breached":
                return False
            stopped = state.get("stopped") is True
            return stopped if wanted == "late" else not stopped
        return bool(status == wanted)

    def matches(self, record: dict[str, Any], flt: dict[str, Any]) -> bool:
        for key, wanted in flt.items():
            if key == "rules":
                rules = record.get("rules") or {}
                for rule_id, statuses in (wanted or {}).items():
                    if not any(self.status(rules.get(rule_id), str(s)) for s in _values(statuses)):
                        return False
                continue
            value = record.get(key)
            if value is None:
                value = DEFAULTS.get(key)
            if value not in self.allowed(key, wanted):
                return False
        return True


def number(value: Any) -> float | None:
    """A score as the check reports it: a number, or the text written on the sheet ("98")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(str(value).strip()) if value is not None else None
    except ValueError:
        return None


def pending(record: dict[str, Any], kpi: Kpi) -> bool:
    """Still pending for a rule ``count`` names: its deadline is ahead, so it is not counted yet."""
    rules = record.get("rules") or {}
    return any((rules.get(r) or {}).get("status") == "pending" for r in (kpi.count.get("rules") or {}))


def contribution(m: Matcher, kpi: Kpi, record: dict[str, Any]) -> tuple[float, int] | None:
    """What one record adds to the KPI (numerator, denominator); None when it is not counted."""
    if not m.matches(record, kpi.where):
        return None
    if kpi.measure == "mean":
        value = number(record.get(kpi.value or ""))
        return None if value is None else (value, 1)
    if pending(record, kpi):
        return None
    return (1 if m.matches(record, kpi.count) else 0), 1


def total(kpi: Kpi, parts: Iterable[tuple[float, int] | None]) -> Result:
    """The KPI over records whose contributions are ``parts`` (a month, one estate, one week)."""
    out = Result(measure=kpi.measure)
    for part in parts:
        if part is not None:
            out.numerator += part[0]
            out.denominator += part[1]
    return out


def met(kpi: Kpi, result: Result) -> bool | None:
    """True/False against the target; None without a target or without a value."""
    value = result.value
    if kpi.target is None or value is None:
        return None
    if kpi.target.better == "lower":
        return value <= kpi.target.value + 1e-9
    return value >= kpi.target.value - 1e-9


def show(kpi: Kpi, value: float | None) -> str:
    """``95.2%``, ``100%``, ``96.5 分`` or ``—`` (nothing counted)."""
    if value is None:
        return "—"
    shown = round(value, 1)
    if kpi.target is not None:  # 13,261 of 13,262 is not "100%": rounding never reaches a target that was missed
        goal = kpi.target.value
        if kpi.target.better == "higher" and value < goal <= shown:
            shown = math.floor(value * 10) / 10
        elif kpi.target.better == "lower" and value > goal >= shown:
            shown = math.ceil(value * 10) / 10
    text = f"{shown:.1f}".rstrip("0").rstrip(".")
    return f"{text}%" if kpi.measure == "share" else f"{text} 分"


def show_target(kpi: Kpi) -> str:
    if kpi.target is None:
        return ""
    text = f"{kpi.target.value:g}"
    unit = "%" if kpi.target.unit == "percent" else " 分"
    return ("≥ " if kpi.target.better == "higher" else "≤ ") + text + unit


#: what each kind of record is called in a message
OF = {"items": Text("事项", "items"), "incidents": Text("突发事件报告", "incidents"),
      "inspections": Text("考评表", "inspections")}

codes.declare(
    "kpi-invalid", "error", "考核指标写得算不出来：where、count 要用记录里有的字段和值，rules 要用已有的时限和状态。",
    group="lint",
    example={"id": "callback-rate", "part": "count", "rule": "calback", "status": "done", "key": "typ",
             "value": "很满意", "of": OF["items"], "allowed": ", ".join(STATUSES),
             "hint": Text("（是不是 callback？）", " (did you mean callback?)")},
    rules_not_mapping=("考核指标 “{id}”：{part}.rules 要写成“时限 id: 状态”",
                       "KPI '{id}': {part}.rules must map rule ids to statuses"),
    unknown_rule=("考核指标 “{id}”：{part}.rules 里的时限 “{rule}” 不存在{hint}",
                  "KPI '{id}': {part}.rules names rule '{rule}', which does not exist{hint}"),
    unknown_status=("考核指标 “{id}”：{part}.rules.{rule} 的状态 “{status}” 不认识{hint}，可用 {allowed}",
                    "KPI '{id}': {part}.rules.{rule}: unknown status '{status}'{hint}; one of {allowed}"),
    unknown_key=("考核指标 “{id}”：{part} 里的 “{key}” 不是{of}的字段{hint}",
                 "KPI '{id}': {part} names '{key}', which {of} do not have{hint}"),
    unknown_value=("考核指标 “{id}”：{part}.{key} 的值 “{value}” 不认识{hint}",
                   "KPI '{id}': {part}.{key}: unknown value '{value}'{hint}"),
    share_count=("考核指标 “{id}”：比例要写 count（哪些记录算做到了）",
                 "KPI '{id}': a share needs `count` (which of the records count as done)"),
    mean_value=("考核指标 “{id}”：平均分要写 value: total（表上写的总分）",
                "KPI '{id}': a mean needs `value: total` (the score written on the sheet)"),
    unknown_listed=("考核指标 “{id}”：rules 列出的时限 “{rule}” 不存在{hint}",
                    "KPI '{id}': rules lists '{rule}', which does not exist{hint}"),
)


def lint_kpis(book: Handbook) -> list[Finding]:
    """Declarations that cannot be computed: unknown keys, statuses, rules or values."""
    out: list[Finding] = []
    for kpi in book.kpis.values():
        def bad(variant: str, k: Kpi = kpi, **params: Any) -> None:
            out.append(make("kpi-invalid", k.path, k.line or None, variant, id=k.id, **params))

        allowed = keys_of(book, kpi.of)
        for part, flt in (("where", kpi.where), ("count", kpi.count)):
            for key, wanted in flt.items():
                if key == "rules":
                    if not isinstance(wanted, dict):
                        bad("rules-not-mapping", part=part)
                        continue
                    for rule_id, statuses in wanted.items():
                        if rule_id not in book.rules:
                            bad("unknown-rule", part=part, rule=rule_id, hint=hint(rule_id, book.rules))
                        for st in _values(statuses):
                            if st not in STATUSES:
                                bad("unknown-status", part=part, rule=rule_id, status=st,
                                    hint=hint(str(st), STATUSES), allowed=", ".join(STATUSES))
                elif key not in allowed:
                    bad("unknown-key", part=part, key=key, of=OF.get(kpi.of, kpi.of), hint=hint(key, allowed))
                else:
                    form = book.forms.get(FORMS[kpi.of])
                    f = form.field(key) if form is not None else None
                    if f is not None and f.choices:
                        for v in _values(wanted):
                            if f.choice(str(v)) is None:
                                bad("unknown-value", part=part, key=key, value=v,
                                    hint=hint(str(v), [c.value for c in f.choices]))
        if kpi.measure == "share" and not kpi.count:
            bad("share-count")
        if kpi.measure == "mean" and kpi.value not in ("total",):
            bad("mean-value")
        for rule_id in kpi.rules:
            if rule_id not in book.rules:
                bad("unknown-listed", rule=rule_id, hint=hint(rule_id, book.rules))
    return out
