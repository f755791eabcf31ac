"""The rules ``kefu check`` applies, one small function per rule id.

Each function is registered with :func:`rule` under the id of its entry in
``procedures/rules/records.yaml`` and declares the record fields it reads.
It gets the rule from the model (limit, variants, start/stop fields, types,
severity -- all after the company file's overrides) and never holds a limit
of its own.  Adding a rule is adding its YAML and one function here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from kefu.check.privacy import find, mask
from kefu.check.record import Node
from kefu.check.workdays import Window, WorkCalendar, duration_en, duration_zh
from kefu.findings import Finding, did_you_mean
from kefu.load import LineList, LineMap
from kefu.model import Form, Handbook, Limit, Rule

# --------------------------------------------------------------------------
# Context: what one file's check knows, and how findings are made.


@dataclass
class Ctx:
    """One record being checked: the handbook, the clock, and the findings so far."""

    book: Handbook
    form: Form
    path: str
    lang: str
    as_of: dt.datetime
    cal: WorkCalendar
    window: Window | None = None
    text: str = ""
    data: Any = None
    findings: list[Finding] = field(default_factory=list)
    #: year -> (line, entry, field) where the working calendar first lacked data
    no_calendar: dict[int, tuple[int | None, Any, str | None]] = field(default_factory=dict)

    def say(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def help(self, rule_id: str) -> str | None:
        if rule_id not in self.book.rules:
            return None
        base = self.book.company.site_url or ""
        if base and not base.endswith("/"):
            base += "/"
        return f"{base}sla/#{rule_id}"

    def add(self, rule_id: str, line: int | None, entry: Any, key: str | None, zh: str, en: str,
            severity: str | None = None) -> None:
        """Record a finding; every message is masked so no output repeats personal data."""
        rule = self.book.rules.get(rule_id)
        sev = severity or (rule.severity if rule is not None else "error")
        self.findings.append(Finding(self.path, line, sev, rule_id,  # type: ignore[arg-type]
                                     mask(self.say(zh, en)), entry, mask(key) if key else key,
                                     self.help(rule_id)))

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


RuleFn = Callable[[Ctx, Rule, Node, list[Node]], None]


@dataclass(frozen=True)
class Registered:
    """A rule function, the form it applies to and the record fields it reads."""

    id: str
    form: str
    reads: tuple[str, ...]
    fn: RuleFn


#: (form, rule id) -> implementation; one id may serve several forms (order-of-events)
REGISTRY: dict[tuple[str, str], Registered] = {}


def rule(rule_id: str, form: str, reads: Iterable[str] = ()) -> Callable[[RuleFn], RuleFn]:
    """Register ``fn`` as the implementation of ``rule_id`` (the YAML gives its limits)."""

    def deco(fn: RuleFn) -> RuleFn:
        REGISTRY[(form, rule_id)] = Registered(rule_id, form, tuple(reads), fn)
        return fn

    return deco


def rules_for(form_id: str) -> list[Registered]:
    """The rules of a form, in registration order (findings are sorted afterwards anyway)."""
    return [r for r in REGISTRY.values() if r.form == form_id]


# --------------------------------------------------------------------------
# Shared pieces


def applicable(r: Rule, entries: list[Node]) -> list[Node]:
    """The entries a rule is about: those whose ``type`` the rule's YAML lists (all when none)."""
    return [e for e in entries if not r.types or e.get("type") in r.types]


def _label(ctx: Ctx, key: str) -> str:
    """The Chinese label of an entry field (录入 CRM 时间), for messages."""
    return ctx.form.label_of(key)


def _limit_text(ctx: Ctx, limit: Limit) -> str:
    return ctx.say(limit.zh(), limit.en())


def check_deadline(ctx: Ctx, r: Rule, e: Node, stop_key: str, deadline: dt.datetime,
                   start_text: str, limit_text: str) -> None:
    """The common shape of a time limit on an entry.

    - stop time written and later than the deadline: a breach on the stop field;
    - stop time missing and the deadline passed as of the check: a breach on it too;
    - missing and the deadline still ahead: the entry must stay ``open`` (the handover
      rule checks it is handed over); a ``closed`` one is reported on ``status``.
    Exactly at the deadline is on time.  A bad stop value was reported already.
    """
    if stop_key in e.bad:
        return
    stop_zh = r.stop_zh if r.stop and r.stop == stop_key and r.stop_zh else _label(ctx, stop_key)
    stop = e.get(stop_key)
    if stop is not None:
        if stop > deadline:
            over = stop - deadline
            ctx.add(r.id, e.line_of(stop_key), e.entry, stop_key,
                    f"{start_text}，{stop_zh} {e.raw(stop_key)}，超时 {duration_zh(over)}，时限 {limit_text}",
                    f"{start_text}, {stop_key} {e.raw(stop_key)}: {duration_en(over)} late, limit {limit_text}")
        return
    if ctx.as_of > deadline:
        ctx.add(r.id, e.line_of(stop_key), e.entry, stop_key,
                f"{start_text}，时限 {limit_text}（至 {ctx.show(deadline)}），截至 {ctx.show(ctx.as_of)} "
                f"仍未填写{stop_zh}（{stop_key}）",
                f"{start_text}, limit {limit_text} (until {ctx.show(deadline)}); no {stop_key} as of "
                f"{ctx.show(ctx.as_of)}")
    elif e.get("status") == "closed":
        ctx.add(r.id, e.line_of("status"), e.entry, "status",
                f"{start_text}，{stop_zh}的期限 {ctx.show(deadline)} 还没到且未填写 {stop_key}，"
                f"事项应保持“未完成”并交接，不能标为已完成",
                f"{start_text}; {stop_key} is due by {ctx.show(deadline)} and not written yet: keep the entry "
                f"open and hand it over instead of closing it")


def _timed(ctx: Ctx, r: Rule, entries: list[Node], select: Callable[[Node], bool] = lambda e: True,
           variant: Callable[[Node], str | None] = lambda e: None) -> None:
    """A rule "``stop`` within ``limit`` after ``start``" over the entries it applies to."""
    if r.start is None or r.stop is None or r.limit is None:
        return
    for e in applicable(r, entries):
        if not select(e):
            continue
        start = e.get(r.start)
        if start is None:
            continue
        name = variant(e)
        limit = r.variants.get(name, r.limit) if name else r.limit
        deadline = ctx.deadline(start, limit, e.line_of(r.stop), e.entry, r.stop)
        start_zh = r.start_zh or _label(ctx, r.start)
        start_text = ctx.say(f"{start_zh} {e.raw(r.start)}", f"{r.start} {e.raw(r.start)}")
        check_deadline(ctx, r, e, r.stop, deadline, start_text, _limit_text(ctx, limit))


# --------------------------------------------------------------------------
# Shift log: entries


@rule("complaint-crm-entry", "shift-log", reads=("type", "at", "crm_at", "status"))
def complaint_crm_entry(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    _timed(ctx, r, entries)


@rule("suggestion-crm-entry", "shift-log", reads=("type", "at", "crm_at", "status"))
def suggestion_crm_entry(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    _timed(ctx, r, entries)


@rule("callback", "shift-log", reads=("type", "done_at", "callback_at", "status"))
def callback(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    _timed(ctx, r, entries)


@rule("online-reply", "shift-log", reads=("channel", "at", "replied_at", "status"))
def online_reply(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    _timed(ctx, r, entries, select=lambda e: e.get("channel") == "online")


@rule("warranty-feedback", "shift-log", reads=("type", "at", "dispatched_at", "status"))
def warranty_feedback(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    _timed(ctx, r, entries)


@rule("warranty-completion", "shift-log", reads=("type", "at", "major", "done_at", "status"))
def warranty_completion(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    _timed(ctx, r, entries, variant=lambda e: "major" if e.get("major") is True else None)


@rule("renovation-reply", "shift-log", reads=("type", "at", "replied_at", "status"))
def renovation_reply(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    _timed(ctx, r, entries)


@rule("suggestion-reply", "shift-log", reads=("type", "at", "reply_due", "replied_at", "status"))
def suggestion_reply(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    """The agreed reply time must be within the limit, and the reply must come by then."""
    if r.limit is None:
        return
    for e in applicable(r, entries):
        at = e.get("at")
        if at is None:
            continue
        latest = ctx.deadline(at, r.limit, e.line_of("reply_due"), e.entry, "reply_due")
        limit_text = _limit_text(ctx, r.limit)
        start_zh = r.start_zh or _label(ctx, "at")
        due = e.get("reply_due")
        if due is None and "reply_due" not in e.bad:
            ctx.add(r.id, e.line_of("reply_due"), e.entry, "reply_due",
                    f"{start_zh} {e.raw('at')}，未写约定答复时间 reply_due（须在 {limit_text} 内，至 {ctx.show(latest)}）",
                    f"at {e.raw('at')}: no reply_due agreed (within {limit_text}, by {ctx.show(latest)})")
        elif due is not None and due > latest:
            ctx.add(r.id, e.line_of("reply_due"), e.entry, "reply_due",
                    f"{start_zh} {e.raw('at')}，约定答复时间 {e.raw('reply_due')} 超出时限 {limit_text}"
                    f"（最晚 {ctx.show(latest)}）",
                    f"at {e.raw('at')}: reply_due {e.raw('reply_due')} is beyond {limit_text} "
                    f"(latest {ctx.show(latest)})")
        if "reply_due" in e.bad:
            continue
        target = due if due is not None and due <= latest else latest
        text = ctx.say(f"约定答复时间 {ctx.show(target)}", f"reply due {ctx.show(target)}")
        check_deadline(ctx, r, e, "replied_at", target, text, ctx.say("约定时间", "the agreed time"))


@rule("inquiry-reply", "shift-log", reads=("type", "reply_due", "replied_at", "status"))
def inquiry_reply(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    for e in applicable(r, entries):
        due = e.get("reply_due")
        if due is None:
            continue
        text = ctx.say(f"约定答复时间 {e.raw('reply_due')}", f"reply due {e.raw('reply_due')}")
        check_deadline(ctx, r, e, "replied_at", due, text, ctx.say("约定时间", "the agreed time"))


@rule("repair-appointment", "shift-log", reads=("type", "appointment_at"))
def repair_appointment(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    for e in applicable(r, entries):
        if not e.given("appointment_at"):
            ctx.add(r.id, e.line, e.entry, "appointment_at",
                    f"报修 {e.raw('at')} 未与业主约定上门时间（appointment_at 未填写）",
                    f"repair at {e.raw('at')}: no appointment_at agreed with the owner")


@rule("repair-on-time", "shift-log", reads=("type", "appointment_at", "arrived_at", "notes", "status"))
def repair_on_time(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    """Late arrival is excused when ``notes`` says why and that the owner was told."""
    for e in applicable(r, entries):
        due = e.get("appointment_at")
        if due is None or (e.get("notes") or "").strip():
            continue
        text = ctx.say(f"约定上门 {e.raw('appointment_at')}", f"appointment {e.raw('appointment_at')}")
        check_deadline(ctx, r, e, "arrived_at", due,
                       text, ctx.say("约定时间（迟到须在备注写明原因及已告知业主）",
                                     "the appointment (a late arrival needs notes: why, owner told)"))


@rule("repair-sign-off", "shift-log", reads=("type", "done_at", "signed"))
def repair_sign_off(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    for e in applicable(r, entries):
        if e.get("done_at") is None or "signed" in e.bad or e.get("signed") is True:
            continue
        written = e.raw("signed") or ctx.say("未填写", "missing")
        ctx.add(r.id, e.line_of("signed"), e.entry, "signed",
                f"报修 {e.raw('done_at')} 完成，业主签单 signed 应为 true，实为 {written}",
                f"repair done {e.raw('done_at')}: signed must be true, found {written}")


@rule("unsatisfied-callback", "shift-log", reads=("callback_result", "status"))
def unsatisfied_callback(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    for e in entries:
        if e.get("callback_result") == "unsatisfied" and e.get("status") == "closed":
            ctx.add(r.id, e.line_of("status"), e.entry, "status",
                    f"回访 {e.raw('callback_at')} 业主不满意，事项应保持“未完成”并按新投诉处理，实为“已完成”",
                    f"callback {e.raw('callback_at')} unsatisfied: the entry must stay open "
                    f"(handled as a new complaint), found closed")


#: recorded events, in the order they happen (planned times may lie ahead)
_CHAINS = (("at", "crm_at"), ("at", "dispatched_at", "arrived_at", "done_at", "callback_at"), ("at", "replied_at"))
_EVENTS = ("at", "crm_at", "dispatched_at", "arrived_at", "done_at", "callback_at", "replied_at")


@rule("order-of-events", "shift-log", reads=_EVENTS)
def order_of_events(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    for e in entries:
        reported: set[str] = set()
        for chain in _CHAINS:
            latest: tuple[str, dt.datetime] | None = None
            for key in chain:
                t = e.get(key)
                if t is None:
                    continue
                if latest is not None and t < latest[1] and key not in reported:
                    reported.add(key)
                    ctx.add(r.id, e.line_of(key), e.entry, key,
                            f"{_label(ctx, key)} {e.raw(key)} 早于{_label(ctx, latest[0])} {e.raw(latest[0])}",
                            f"{key} {e.raw(key)} is before {latest[0]} {e.raw(latest[0])}")
                if latest is None or t >= latest[1]:
                    latest = (key, t)
        for key in _EVENTS:
            t = e.get(key)
            if t is not None and t > ctx.as_of:
                ctx.add(r.id, e.line_of(key), e.entry, key,
                        f"{_label(ctx, key)} {e.raw(key)} 晚于检查时间 {ctx.show(ctx.as_of)}：还没发生的事不能记录",
                        f"{key} {e.raw(key)} is after the check time {ctx.show(ctx.as_of)}")


# --------------------------------------------------------------------------
# Shift log: the whole record


@rule("online-browsing", "shift-log", reads=("start", "end", "online_checks"))
def online_browsing(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    """Gaps between shift start, each browse and shift end (or as-of) stay within the limit."""
    if r.limit is None or ctx.window is None or "online_checks" in top.bad and not top.has("online_checks"):
        return
    end = min(ctx.window.end, ctx.as_of)
    if end <= ctx.window.start:
        return
    checks = sorted((v for v in top.values.get("online_checks") or [] if v.v <= end), key=lambda v: v.v)
    start_zh = ctx.say("接班", "shift start")
    points: list[tuple[dt.datetime, str, int | None]] = [(ctx.window.start, f"{start_zh} {ctx.show(ctx.window.start)}", None)]
    points += [(v.v, f"{ctx.say('浏览', 'check')} {v.raw}", v.line) for v in checks]
    last = ctx.say("交班", "shift end") if end == ctx.window.end else ctx.say("检查时间", "as of")
    points.append((end, f"{last} {ctx.show(end)}", None))
    limit_text = _limit_text(ctx, r.limit)
    for (a, a_text, _), (b, b_text, b_line) in zip(points, points[1:]):
        due = ctx.deadline(a, r.limit, b_line, None, "online_checks")
        if b > due:
            line = b_line if b_line is not None else top.line_of("online_checks")
            ctx.add(r.id, line, None, "online_checks",
                    f"网络信息浏览间隔过长：{a_text} 至 {b_text} 相隔 {duration_zh(b - a)}，时限 {limit_text}",
                    f"online channels not browsed for {duration_en(b - a)}: {a_text} to {b_text}, "
                    f"limit {limit_text}")


@rule("handover", "shift-log", reads=("status", "handover"))
def handover(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    h = top.values.get("handover")
    if not isinstance(h, Node) or not h.has("open"):
        return
    listed = h.values["open"]
    numbers = {v.v for v in listed}
    existing = {e.get("no") for e in entries}
    to = h.raw("to")
    for e in entries:
        if e.get("status") == "open" and e.get("no") not in numbers:
            ctx.add(r.id, e.line_of("status"), e.entry, "status",
                    f"第 {e.entry} 项未完成，但没有写进交接班记录 handover.open（交给 {to}）",
                    f"entry {e.entry} is open but not in handover.open (handed to {to})")
    for v in listed:
        if v.v not in existing:
            ctx.add(r.id, v.line, None, "handover",
                    f"交接班记录列出第 {v.raw} 项，但本记录表没有这一项",
                    f"handover.open lists entry {v.raw}, which is not in this log")


# --------------------------------------------------------------------------
# Incident report


@rule("incident-report-time", "incident-report", reads=("resolved_at", "reported_at"))
def incident_report_time(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    if r.start is None or r.stop is None or r.limit is None:
        return
    start = top.get(r.start)
    if start is None:
        return
    deadline = ctx.deadline(start, r.limit, top.line_of(r.stop), None, r.stop)
    text = ctx.say(f"{r.start_zh or _label(ctx, r.start)} {top.raw(r.start)}", f"{r.start} {top.raw(r.start)}")
    limit_text = ctx.say(f"{r.limit.zh()}（至 {ctx.show(deadline)}）", f"{r.limit.en()} (until {ctx.show(deadline)})")
    check_deadline(ctx, r, top, r.stop, deadline, text, limit_text)


@rule("incident-notify", "incident-report", reads=("class", "notified"))
def incident_notify(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    """Who must be told comes from the handbook's incident class with the record's ``class``.

    Each class lists ``must_notify`` (A 品质部, B and C 行政人事部 in the shipped handbook);
    its wider ``notify`` list is whom the procedure also calls depending on where it
    happened, so their absence is not a breach.
    """
    code = top.get("class")
    if code is None or "notified" in top.bad:
        return
    notified = [v.v for v in top.values.get("notified") or []]
    for cls in ctx.book.incident_classes.values():
        if cls.code != code:
            continue
        for dept in cls.must_notify:
            if not any(dept in n for n in notified):
                ctx.add(r.id, top.line_of("notified"), None, "notified",
                        f"{code} 类事件（{cls.name}）须通知 {dept}，已通知：{'、'.join(notified) or '无'}",
                        f"class {code} ({cls.name}) must notify {dept}; notified: {', '.join(notified) or 'none'}")


# --------------------------------------------------------------------------
# Inspection sheet


def scheme_of(ctx: Ctx, top: Node) -> Any:
    """The evaluation scheme of the record's role (a Chinese name), or None."""
    name = top.get("role")
    if name is None:
        return None
    role = ctx.book.role_named(name)
    return ctx.book.evaluation_of(role.id) if role is not None else None


@rule("inspection-scheme", "inspection", reads=("role", "items"))
def inspection_scheme(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    name = top.get("role")
    if name is None:
        return
    role = ctx.book.role_named(name)
    if role is None:
        names = [x.name for x in ctx.book.roles.values()]
        near = did_you_mean(name, names, ctx.lang)
        ctx.add(r.id, top.line_of("role"), None, "role",
                f"手册中没有岗位 “{name}”{near}，无法核对考评方案",
                f"the handbook has no role '{name}'{near}; cannot check the scheme")
        return
    scheme = ctx.book.evaluation_of(role.id)
    if scheme is None:
        ctx.add(r.id, top.line_of("role"), None, "role",
                f"手册中没有岗位 “{name}” 的考评方案", f"the handbook has no evaluation scheme for '{name}'")
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
            near = did_you_mean(comp_name, [c.name for c in scheme.components], ctx.lang)
            ctx.add(r.id, item.line_of("component"), item.entry, "component",
                    f"“{comp_name}” 不是{scheme.title or name}的考评项目{near}",
                    f"'{comp_name}' is not a component of {scheme.id}{near}")
            continue
        if comp.id in seen:
            ctx.add(r.id, item.line_of("component"), item.entry, "component",
                    f"项目 “{comp.name}” 重复", f"component '{comp.name}' appears twice")
        seen.add(comp.id)
        written = item.get("max")
        if written is not None and abs(written - comp.max) > 1e-9:
            ctx.add(r.id, item.line_of("max"), item.entry, "max",
                    f"项目 “{comp.name}” 满分应为 {comp.max}，表上写 {item.raw('max')}",
                    f"component '{comp.name}' is worth {comp.max}, the sheet says {item.raw('max')}")
    missing = [c for c in scheme.components if c.id not in seen]
    if missing:
        listed = "、".join(f"{c.name}（{c.max} 分）" for c in missing)
        ctx.add(r.id, top.line_of("items"), None, "items",
                f"缺少考评项目：{listed}", "missing components: " + ", ".join(f"{c.name} ({c.max})" for c in missing))
    total = sum(i.get("max") or 0 for i in items)
    if not missing and abs(total - 100) > 1e-9:
        ctx.add(r.id, top.line_of("items"), None, "items",
                f"各项满分合计应为 100，表上合计 {total:g}", f"the maxima add up to {total:g}, not 100")


@rule("inspection-deduction", "inspection", reads=("role", "items"))
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
                ctx.add(r.id, d.line_of("level"), item.entry, "deductions",
                        f"考评方案没有违规级别 “{d.raw('level')}”", f"the scheme has no level '{d.raw('level')}'")
                continue
            if not level.min <= points <= level.max:
                span = f"{level.min}" if level.min == level.max else f"{level.min}–{level.max}"
                ctx.add(r.id, d.line_of("points"), item.entry, "deductions",
                        f"{level.label}每次扣 {span} 分，表上扣 {d.raw('points')} 分",
                        f"{level_id} deducts {span} point(s) each time, the sheet deducts {d.raw('points')}")
        score = item.get("score")
        if score is not None and score < 0:
            ctx.add(r.id, item.line_of("score"), item.entry, "score",
                    f"项目得分 {item.raw('score')} 低于零：扣完为止，最低 0 分",
                    f"score {item.raw('score')} is below zero: a component stops at 0")


@rule("inspection-total", "inspection", reads=("items", "total"))
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
            ctx.add(r.id, item.line_of("score"), item.entry, "score",
                    f"得分应为 {left:g}（满分 {item.raw('max')} 减扣分，扣完为止），表上写 {item.raw('score')}",
                    f"score should be {left:g} (max {item.raw('max')} less deductions, not below 0), "
                    f"the sheet says {item.raw('score')}")
    total = top.get("total")
    if complete and total is not None and abs(total - left_sum) > 1e-9:
        ctx.add(r.id, top.line_of("total"), None, "total",
                f"总分应为各项得分之和 {left_sum:g}，表上写 {top.raw('total')}",
                f"total should be the sum of the scores, {left_sum:g}; the sheet says {top.raw('total')}")


# --------------------------------------------------------------------------
# Incident report: order of events (same rule id as the shift log's)


@rule("order-of-events", "incident-report", reads=("occurred_at", "resolved_at"))
def incident_order(ctx: Ctx, r: Rule, top: Node, entries: list[Node]) -> None:
    occurred, resolved = top.get("occurred_at"), top.get("resolved_at")
    if occurred is None or resolved is None:
        return
    if resolved < occurred:
        ctx.add(r.id, top.line_of("resolved_at"), None, "resolved_at",
                f"处理完毕时间 {top.raw('resolved_at')} 早于发生时间 {top.raw('occurred_at')}",
                f"resolved_at {top.raw('resolved_at')} is before occurred_at {top.raw('occurred_at')}")


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
        what_zh, what_en = ("身份证号码", "resident ID number") if kind == "id" else ("车牌号码", "licence plate")
        ctx.add(r.id, n, entry, key,
                f"记录中有完整的{what_zh} {masked}：只写部分号码（如 {masked}），完整信息留在业主档案",
                f"a full {what_en} ({masked}) is written in the record: write it masked, like {masked}")


for _form in ("shift-log", "incident-report", "inspection"):
    rule("personal-data", _form, reads=("*",))(_personal_data)
