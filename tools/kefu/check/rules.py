"""The rules that are not "a stop within a limit after a start", each registered once here.

Every timed rule -- shipped or a company's -- is a declaration in YAML judged by
:mod:`kefu.check.timed`.  What is left is code: the handover, personal data, the
order of events, the inspection arithmetic, who an incident report notifies,
the intake checks of a repair, and the links between logs (:mod:`kefu.check.items`).
A function is registered with :func:`rule` under its rule id and a *scope*:

- ``record``: one file at a time, in the worker that read it (sees the file's text);
- ``item``: once per item of linked shift-log entries, on its merged fields.

Each gets the rule in force (after the company's and the estate's overrides) and
reports through :meth:`Ctx.add` with a message of :mod:`kefu.codes`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kefu.check.privacy import find, mask
from kefu.check.record import Node
from kefu.check.workdays import Window, WorkCalendar, duration_en, duration_zh
from kefu.codes import CATALOGUE, Text
from kefu.findings import Finding, hint
from kefu.load import LineList, LineMap
from kefu.model import Form, Handbook, Limit, Rule

if TYPE_CHECKING:
    from kefu.check.items import ItemView

# --------------------------------------------------------------------------
# Context: one file's findings, and how they are made.


def help_url(book: Handbook, rule_id: str, rules: dict[str, Rule]) -> str | None:
    """The rule's anchor on the handbook's time-limit page (every rule finding ends with it)."""
    if rule_id not in rules:
        return None
    base = book.company.site_url or ""
    if base and not base.endswith("/"):
        base += "/"
    return f"{base}sla/#{rule_id}"


@dataclass
class Ctx:
    """One record file being checked: the rules in force, the clock, and its findings so far."""

    book: Handbook
    rules: dict[str, Rule]
    form: Form
    path: str
    as_of: dt.datetime
    cal: WorkCalendar
    window: Window | None = None
    text: str = ""
    data: Any = None
    findings: list[Finding] = field(default_factory=list)
    #: year -> (line, entry, field) where the working calendar first lacked data
    no_calendar: dict[int, tuple[int | None, Any, str | None]] = field(default_factory=dict)

    def add(self, rule_id: str, line: int | None, entry: Any, key: str | None, variant: str = "",
            params: dict[str, Any] | None = None, *, code: str | None = None, severity: str | None = None,
            item: str | None = None) -> None:
        """Record a finding of ``rule_id`` with a message of ``code`` (default: the rule's own code)."""
        rule = self.rules.get(rule_id)
        if code is None and rule_id not in CATALOGUE:
            code = "timed"  # a rule declared as data speaks with the timed templates
        sev = severity or (rule.severity if rule is not None else CATALOGUE[code or rule_id].severity)
        self.findings.append(Finding(self.path, line, sev, rule_id, entry=entry,  # type: ignore[arg-type]
                                     field=mask(key) if key else key,
                                     help=help_url(self.book, rule_id, self.rules), item=item,
                                     code=code, variant=variant, params=params or {}))

    def deadline(self, start: dt.datetime, limit: Limit, line: int | None, entry: Any,
                 key: str | None) -> dt.datetime:
        """``start`` + ``limit``; remembers where a year without calendar data was used."""
        before = set(self.cal.missing_years)
        out = self.cal.deadline(start, limit)
        for year in self.cal.missing_years - before:
            self.no_calendar.setdefault(year, (line, entry, key))
        return out

    def show(self, moment: dt.datetime) -> str:
        """A time as the record would write it: HH:MM on the shift's day, else with the date."""
        local = moment.astimezone(self.as_of.tzinfo)
        if self.window is not None and local.date() == self.window.start.date():
            return f"{local:%H:%M}"
        return f"{local:%Y-%m-%d %H:%M}"

    def close(self) -> list[Finding]:
        """The findings, with one ``no-calendar`` warning per year the calendar lacked."""
        for year, (line, entry, key) in sorted(self.no_calendar.items()):
            self.add("no-calendar", line, entry, key, params={"year": year}, severity="warning")
        self.no_calendar.clear()
        return self.findings


RecordFn = Callable[[Ctx, Rule, Node, list[Node]], None]
ItemFn = Callable[["ItemView", Rule], None]


@dataclass(frozen=True)
class Registered:
    """A rule implemented in code: its id, the form it applies to, its scope and function."""

    id: str
    form: str
    scope: str
    fn: Callable[..., None]


#: rule id -> its implementations (order-of-events has a record part and an item part)
REGISTRY: dict[str, list[Registered]] = {}


def rule(rule_id: str, form: str, scope: str = "record") -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``fn`` as (part of) the implementation of ``rule_id``; the YAML gives its text."""

    def deco(fn: Callable[..., None]) -> Callable[..., None]:
        REGISTRY.setdefault(rule_id, []).append(Registered(rule_id, form, scope, fn))
        return fn

    return deco


def registered(form_id: str, scope: str) -> list[Registered]:
    return [r for regs in REGISTRY.values() for r in regs if r.form == form_id and r.scope == scope]


def coded(rule_id: str) -> bool:
    """The rule has an implementation here (so the generic timed engine leaves it alone)."""
    return rule_id in REGISTRY


def label(form: Form, key: str) -> str:
    """The Chinese label of a record field (录入 CRM 时间), for messages."""
    return form.label_of(key)


# --------------------------------------------------------------------------
# Shift log, once per item (on its merged fields; see kefu.check.items)


@rule("repair-appointment", "shift-log", scope="item")
def repair_appointment(item: ItemView, r: Rule) -> None:
    """A repair's visit time is agreed at intake: not judged when the intake is not among the records."""
    if not item.intake or not item.matches(r.when):
        return
    if not item.given("appointment_at"):
        item.report_missing(r, "appointment_at", "", {"at": item.raw("at")})


@rule("repair-sign-off", "shift-log", scope="item")
def repair_sign_off(item: ItemView, r: Rule) -> None:
    if not item.matches(r.when) or item.get("done_at") is None or item.bad("signed") or item.get("signed") is True:
        return
    written = item.raw("signed") or Text("未填写", "missing")
    item.report(r, "signed", "", {"done": item.raw("done_at"), "written": written})


@rule("unsatisfied-callback", "shift-log", scope="item")
def unsatisfied_callback(item: ItemView, r: Rule) -> None:
    if item.get("callback_result") == "unsatisfied" and item.get("status") == "closed":
        item.report_status(r, "", {"callback": item.raw("callback_at")})


#: recorded events, in the order they happen (planned times may lie ahead)
CHAINS = (("at", "crm_at"), ("at", "dispatched_at", "arrived_at", "done_at", "callback_at"), ("at", "replied_at"))


@rule("order-of-events", "shift-log", scope="item")
def order_of_events(item: ItemView, r: Rule) -> None:
    """Events of one matter in the order they happen, across all the entries that wrote them."""
    reported: set[str] = set()
    for chain in CHAINS:
        latest: tuple[str, dt.datetime] | None = None
        for key in chain:
            t = item.get(key)
            if t is None:
                continue
            if latest is not None and t < latest[1] and key not in reported:
                reported.add(key)
                item.report(r, key, "", {"label": Text(item.label(key), key), "value": item.raw(key),
                                         "before_label": Text(item.label(latest[0]), latest[0]),
                                         "before": item.raw(latest[0])})
            if latest is None or t >= latest[1]:
                latest = (key, t)


# --------------------------------------------------------------------------
# Shift log, once per record


def events(form: Form) -> list[str]:
    """The recorded events of an entry: every time field but the planned ones (and company-added times)."""
    planned = {"appointment_at", "reply_due"}
    entries = next((f for f in form.fields if f.key == "entries"), None)
    fields = entries.fields if entries is not None else []
    return [f.key for f in fields if f.type in ("time", "datetime") and f.key not in planned]


@rule("order-of-events", "shift-log")
def recorded_before_as_of(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    """A log cannot record what happened after it was handed over (its own shift end, or --as-of)."""
    for e in entries:
        for key in events(ctx.form):
            t = e.get(key)
            if t is not None and t > ctx.as_of:
                ctx.add(r.id, e.line_of(key), e.entry, key, "future",
                        {"label": Text(label(ctx.form, key), key), "value": e.raw(key), "as_of": ctx.show(ctx.as_of)})


@rule("online-browsing", "shift-log")
def online_browsing(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    """Gaps between shift start, each browse and shift end (or as-of) stay within the limit."""
    if r.limit is None or ctx.window is None or ("online_checks" in top.bad and not top.has("online_checks")):
        return
    end = min(ctx.window.end, ctx.as_of)
    if end <= ctx.window.start:
        return
    checks = sorted((v for v in top.values.get("online_checks") or [] if v.v <= end), key=lambda v: v.v)
    begin = ctx.show(ctx.window.start)
    points: list[tuple[dt.datetime, Text, int | None]] = [
        (ctx.window.start, Text(f"接班 {begin}", f"shift start {begin}"), None)]
    points += [(v.v, Text(f"浏览 {v.raw}", f"check {v.raw}"), v.line) for v in checks]
    last = Text("交班", "shift end") if end == ctx.window.end else Text("检查时间", "as of")
    points.append((end, Text(f"{last.zh} {ctx.show(end)}", f"{last.en} {ctx.show(end)}"), None))
    limit = Text(r.limit.zh(), r.limit.en())
    for (a, a_text, _), (b, b_text, b_line) in itertools.pairwise(points):
        due = ctx.deadline(a, r.limit, b_line, None, "online_checks")
        if b > due:
            line = b_line if b_line is not None else top.line_of("online_checks")
            ctx.add(r.id, line, None, "online_checks", "",
                    {"a": a_text, "b": b_text, "gap": Text(duration_zh(b - a), duration_en(b - a)), "limit": limit})


def entry_number(ref: str) -> int | None:
    """``handover.open`` lists entry numbers of this log, or references (tickets, DATE/SHIFT/NO)."""
    return int(ref) if ref.isdigit() else None


@rule("handover", "shift-log")
def handover(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    """Per log, on each entry's own written status (items.md): listed by number, ticket or DATE/SHIFT/NO."""
    h = top.values.get("handover")
    if not isinstance(h, Node) or not h.has("open"):
        return
    listed = [str(v.v) for v in h.values["open"]]
    numbers = {n for n in map(entry_number, listed) if n is not None}
    own = f"{top.raw('date')}/{top.raw('shift')}/"
    existing = {e.get("no") for e in entries}
    to = h.raw("to")
    for e in entries:
        if e.get("status") != "open":
            continue
        refs = {own + str(e.get("no"))} | ({str(e.get("ticket"))} if e.get("ticket") else set())
        if e.get("no") not in numbers and not refs & set(listed):
            ctx.add(r.id, e.line_of("status"), e.entry, "status", "", {"no": e.entry, "to": to})
    for v in h.values["open"]:
        n = entry_number(str(v.v))
        if n is not None and n not in existing:
            ctx.add(r.id, v.line, None, "handover", "unknown", {"ref": v.raw})


# --------------------------------------------------------------------------
# Incident report


@rule("incident-notify", "incident-report")
def incident_notify(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    """Who must be told comes from the handbook's incident class with the record's ``class``.

    The visitor procedure gives each class two lists: at the company office ``must_notify``
    (A 品质部, B and C 行政人事部 in the shipped handbook), at an estate's service centre
    (``office: estate``) ``estate_must_notify`` (only C: 管理处经理 and 行政人事部). A report that
    does not say where it happened is held to the company office's list. The wider ``notify``
    lists are whom the procedure also calls in some cases, so their absence is not a breach.
    """
    code = top.get("class")
    if code is None or "notified" in top.bad:
        return
    office = top.get("office")
    notified = [v.v for v in top.values.get("notified") or []]
    where = Text("管理处", "at an estate") if office == "estate" else Text("公司", "at the company office")
    for cls in ctx.book.incident_classes.values():
        if cls.code != code:
            continue
        for dept in cls.must_list(office):
            if not any(dept in n for n in notified):
                ctx.add(r.id, top.line_of("notified"), None, "notified", "",
                        {"code": code, "name": cls.name, "dept": dept, "where": where,
                         "notified": Text("、".join(notified) or "无", ", ".join(notified) or "none")})


@rule("order-of-events", "incident-report")
def incident_order(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    occurred, resolved = top.get("occurred_at"), top.get("resolved_at")
    if occurred is None or resolved is None:
        return
    if resolved < occurred:
        ctx.add(r.id, top.line_of("resolved_at"), None, "resolved_at", "resolved",
                {"resolved": top.raw("resolved_at"), "occurred": top.raw("occurred_at")})


# --------------------------------------------------------------------------
# Inspection sheet


def scheme_of(ctx: Ctx, top: Node) -> Any:
    """The evaluation scheme of the record's role (a Chinese name), or None."""
    name = top.get("role")
    if name is None:
        return None
    role = ctx.book.role_named(name)
    return ctx.book.evaluation_of(role.id) if role is not None else None


@rule("inspection-scheme", "inspection")
def inspection_scheme(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    name = top.get("role")
    if name is None:
        return
    role = ctx.book.role_named(name)
    if role is None:
        near = hint(name, [x.name for x in ctx.book.roles.values()])
        ctx.add(r.id, top.line_of("role"), None, "role", "", {"name": name, "near": near})
        return
    scheme = ctx.book.evaluation_of(role.id)
    if scheme is None:
        ctx.add(r.id, top.line_of("role"), None, "role", "no-scheme", {"name": name})
        return
    items = top.values.get("items")
    if not isinstance(items, list):
        return
    seen: set[str] = set()
    for item in items:
        comp_name = item.get("component")
        if comp_name is None:
            continue
        comp = scheme.component(comp_name)
        if comp is None:
            ctx.add(r.id, item.line_of("component"), item.entry, "component", "component",
                    {"component": comp_name, "scheme": Text(scheme.title or name, scheme.id),
                     "near": hint(comp_name, [c.name for c in scheme.components])})
            continue
        if comp.id in seen:
            ctx.add(r.id, item.line_of("component"), item.entry, "component", "repeated", {"component": comp.name})
        seen.add(comp.id)
        written = item.get("max")
        if written is not None and abs(written - comp.max) > 1e-9:
            ctx.add(r.id, item.line_of("max"), item.entry, "max", "max",
                    {"component": comp.name, "max": comp.max, "written": item.raw("max")})
    missing = [c for c in scheme.components if c.id not in seen]
    if missing:
        listed = Text("、".join(f"{c.name}（{c.max} 分）" for c in missing),
                      ", ".join(f"{c.name} ({c.max})" for c in missing))
        ctx.add(r.id, top.line_of("items"), None, "items", "missing", {"listed": listed})
    total = sum(i.get("max") or 0 for i in items)
    if not missing and abs(total - 100) > 1e-9:
        ctx.add(r.id, top.line_of("items"), None, "items", "sum", {"total": f"{total:g}"})


@rule("inspection-deduction", "inspection")
def inspection_deduction(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    scheme = scheme_of(ctx, top)
    items = top.values.get("items")
    if scheme is None or not isinstance(items, list):
        return
    for item in items:
        for d in item.values.get("deductions") or []:
            level_id, points = d.get("level"), d.get("points")
            if level_id is None or points is None:
                continue
            level = scheme.level(level_id)
            if level is None:
                ctx.add(r.id, d.line_of("level"), item.entry, "deductions", "no-level", {"level": d.raw("level")})
                continue
            if not level.min <= points <= level.max:
                span = f"{level.min}" if level.min == level.max else f"{level.min}–{level.max}"
                ctx.add(r.id, d.line_of("points"), item.entry, "deductions", "",
                        {"level": Text(level.label, level_id), "span": span, "points": d.raw("points")})
        score = item.get("score")
        if score is not None and score < 0:
            ctx.add(r.id, item.line_of("score"), item.entry, "score", "below-zero", {"score": item.raw("score")})


@rule("inspection-total", "inspection")
def inspection_total(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    """What is left of each component (never below zero) adds up to ``total``."""
    items = top.values.get("items")
    if not isinstance(items, list) or "items" in top.bad:
        return
    left_sum = 0.0
    complete = True
    for item in items:
        deductions = item.values.get("deductions") or []
        if item.get("max") is None or "deductions" in item.bad or any(d.bad for d in deductions):
            complete = False
            continue
        left = max(0.0, item.get("max") - sum(d.get("points") or 0 for d in deductions))
        left_sum += left
        score = item.get("score")
        if score is not None and score >= 0 and abs(score - left) > 1e-9:
            ctx.add(r.id, item.line_of("score"), item.entry, "score", "score",
                    {"left": f"{left:g}", "max": item.raw("max"), "written": item.raw("score")})
    total = top.get("total")
    if complete and total is not None and abs(total - left_sum) > 1e-9:
        ctx.add(r.id, top.line_of("total"), None, "total", "", {"left": f"{left_sum:g}", "written": top.raw("total")})


# --------------------------------------------------------------------------
# Personal data: every form, the whole text of the file (comments included)


def _locate(data: Any, line: int) -> tuple[Any, str | None]:
    """(entry, field) of the value written on ``line`` of a record."""
    if not isinstance(data, LineMap):
        return None, None
    key = _last_before(data, line)
    if key is None:
        return None, None
    value = data[key]
    if isinstance(value, LineList) and value and all(isinstance(v, LineMap) for v in value):
        rows = [i for i in range(len(value)) if value.line_of(i) <= line]
        if rows:
            i = rows[-1]
            row = value[i]
            no = row.get("no")
            entry = no if isinstance(no, int) and not isinstance(no, bool) else i + 1
            return entry, _last_before(row, line) or key
    return None, key


def _last_before(m: LineMap, line: int) -> str | None:
    best = None
    for k, at in m.key_lines.items():
        if at <= line and (best is None or at >= m.key_lines[best]):
            best = k
    return best


def _personal_data(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    """An unmasked ID number or plate anywhere in the file; the message shows it masked."""
    for kind, masked, offset in find(ctx.text):
        n = ctx.text.count("\n", 0, offset) + 1
        entry, key = _locate(ctx.data, n)
        what = Text("身份证号码", "resident ID number") if kind == "id" else Text("车牌号码", "licence plate")
        ctx.add(r.id, n, entry, key, "", {"what": what, "masked": masked})


for _form in ("shift-log", "incident-report", "inspection"):
    rule("personal-data", _form)(_personal_data)
