"""Entries of several shift logs that describe one matter, linked into items (contract items.md).

Reading stays per file and parallel; what a worker sends back of a shift log
is a :class:`Log`: its window, handover and entries as validated
:class:`~kefu.check.record.Node` values (not the parsed YAML).  Here the logs of
one project are ordered by shift start, entries are linked by ``ticket`` and
``follows`` (a union-find, so cycles and 10,000 entries on one ticket cost
nothing special), and every item rule -- timed rules and the coded ones -- is
applied once per item to its merged fields (:class:`ItemView`).  Then the links
between consecutive logs are checked: ``follows`` and ``handover`` references,
and ``handover-followup`` (an open item handed over must appear in the next log).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kefu.check import timed
from kefu.check.record import Node, Value
from kefu.check.rules import REGISTRY, Ctx, Registered, registered, rule
from kefu.model import Form, Handbook, Limit, Rule, When

#: ``follows: DATE/SHIFT/NO`` (else the value is a ticket number)
REF = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})/([^/]+)/(\d+)\s*$")
#: fields an item takes from its opening entry: the matter as it was received
OPENING_FIELDS = ("at", "type", "channel")


@dataclass(slots=True)
class Log:
    """What the item phase needs of one shift log (built by the worker that read it)."""

    file: int  #: index of its file in the run
    path: str
    project: str | None
    date: str
    shift: str
    start: dt.datetime | None
    end: dt.datetime | None
    entries: list[Node]
    handover: Node | None
    staff: list[str] = field(default_factory=list)

    def ref(self, no: Any) -> str:
        return f"{self.date}/{self.shift}/{no}"

    @property
    def name(self) -> str:
        return f"{self.date} {self.shift}"


@dataclass(slots=True)
class Member:
    """One entry in its log, with its place in the order of the run."""

    log: Log
    node: Node
    index: int

    def key(self) -> tuple[Any, ...]:
        start = self.log.start or dt.datetime.min.replace(tzinfo=dt.UTC)
        at = self.node.get("at") or start
        return (start, at, self.index)


class ItemView:
    """The merged fields of one item, and how a rule reports on them (the timed Subject)."""

    def __init__(self, members: list[Member], opening: Member | None, item_id: str, ctx_of: Callable[[Log], Ctx],
                 labels: dict[str, str], defaults: dict[str, Any], as_of: dt.datetime, rules: dict[str, Rule]) -> None:
        self.members = members
        self.opening = opening
        self.id = item_id
        self.intake = opening is not None
        self.latest = members[-1]
        self._ctx_of = ctx_of
        self._labels = labels
        self._defaults = defaults
        self.as_of = as_of
        self.rules = rules
        self.writer: dict[str, Member] = {}
        for m in members:
            for key in m.node.values:
                self.writer[key] = m
            for key in m.node.bad:
                self.writer[key] = m
        for key in OPENING_FIELDS:
            if opening is not None:
                if key in opening.node.values or key in opening.node.bad:
                    self.writer[key] = opening
                else:
                    self.writer.pop(key, None)
            elif key == "at":
                self.writer.pop(key, None)  # no opening entry: the item has no `at` of its own
            else:
                first = next((m for m in members if key in m.node.values), None)
                if first is not None:
                    self.writer[key] = first
        notes = [str(m.node.get("notes")) for m in members if m.node.get("notes")]
        self.notes = "；".join(notes)
        self.outcomes: dict[str, timed.Outcome] = {}
        self._values: dict[str, Any] = {}

    # ---------------------------------------------------------------- values

    def get(self, key: str) -> Any:
        """The item's value of ``key`` (remembered: every rule's ``when`` asks for the same few)."""
        try:
            return self._values[key]
        except KeyError:
            pass
        if key == "notes":
            value = self.notes or None
        else:
            m = self.writer.get(key)
            value = m.node.get(key) if m is not None else None
        self._values[key] = value
        return value

    def raw(self, key: str) -> str:
        """The value as written; a time written in another shift's log gets its date, to be unambiguous."""
        m = self.writer.get(key)
        if m is None:
            return ""
        value = m.node.get(key)
        if isinstance(value, dt.datetime) and m.log is not self.latest.log and len(m.node.raw(key)) <= 5:
            return f"{value:%Y-%m-%d %H:%M}"
        return m.node.raw(key)

    def bad(self, key: str) -> bool:
        m = self.writer.get(key)
        return m is not None and key in m.node.bad

    def given(self, key: str) -> bool:
        return key in self.writer

    def label(self, key: str) -> str:
        return self._labels.get(key, key)

    def matches(self, when: When) -> bool:
        """Every field of ``when`` matches (a missing field matches its form default, else nothing)."""
        for key, allowed in when.items():
            value = self.get(key)
            if value is None:
                value = self._defaults.get(key)
            if value is None or value not in (allowed if isinstance(allowed, list) else [allowed]):
                return False
        return True

    # ---------------------------------------------------------------- reporting

    def _add(self, m: Member, rule: Rule, line: int, key: str | None, variant: str, params: dict[str, Any],
             code: str | None) -> None:
        self._ctx_of(m.log).add(rule.id, line, m.node.entry, key, variant, params, code=code, item=self.id)

    def report(self, rule: Rule, key: str, variant: str, params: dict[str, Any], code: str | None = None) -> None:
        """On the entry and line that wrote ``key``; a missing value on the item's latest entry."""
        m = self.writer.get(key)
        if m is None:
            self.report_missing(rule, key, variant, params, code)
        else:
            self._add(m, rule, m.node.line_of(key), key, variant, params, code)

    def report_missing(self, rule: Rule, key: str, variant: str, params: dict[str, Any],
                       code: str | None = None) -> None:
        self._add(self.latest, rule, self.latest.node.line, key, variant, params, code)

    def report_status(self, rule: Rule, variant: str, params: dict[str, Any]) -> None:
        """The ``status`` of the item's latest entry (which must be open while a deadline is ahead)."""
        m = self.latest
        self._add(m, rule, m.node.line_of("status"), "status", variant, params, None)

    def show(self, moment: dt.datetime) -> str:
        return self._ctx_of(self.latest.log).show(moment)

    def deadline(self, start: dt.datetime, limit: Limit, key: str) -> dt.datetime:
        m = self.writer.get(key) or self.latest
        return self._ctx_of(m.log).deadline(start, limit, m.node.line_of(key), m.node.entry, key)


class _Union:
    """Union-find over entry indices: linking never recurses, whatever the shape of the links."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class Project:
    """The logs of one project in the run, in shift order, and what linking found."""

    name: str | None
    logs: list[Log]
    members: list[Member] = field(default_factory=list)
    items: list[ItemView] = field(default_factory=list)
    item_of: dict[int, ItemView] = field(default_factory=dict)  #: id(node) -> its item


def projects(logs: Iterable[Log]) -> list[Project]:
    by: dict[str | None, list[Log]] = {}
    for log in logs:
        by.setdefault(log.project, []).append(log)
    out = []
    for name, group in by.items():
        group.sort(key=lambda lg: (lg.start or dt.datetime.min.replace(tzinfo=dt.UTC), lg.path))
        out.append(Project(name, group))
    return out


def link(project: Project, ctx_of: Callable[[Log], Ctx], labels: dict[str, str], defaults: dict[str, Any],
         as_of: dt.datetime, rules: dict[str, Rule]) -> None:
    """Group the project's entries into items (items.md) and report ``follows`` that name nothing."""
    members = [Member(log, node, i) for log in project.logs for i, node in enumerate(log.entries)]
    members.sort(key=Member.key)
    project.members = members
    by_ref: dict[str, int] = {}
    logs_by_name: dict[tuple[str, str], Log] = {}
    for log in project.logs:
        logs_by_name.setdefault((log.date, log.shift), log)
    for n, m in enumerate(members):
        by_ref.setdefault(m.log.ref(m.node.get("no")), n)
    tickets: dict[str, int] = {}
    u = _Union(len(members))
    for n, m in enumerate(members):
        ticket = m.node.get("ticket")
        if ticket:
            t = str(ticket)
            if t in tickets:
                u.join(tickets[t], n)
            else:
                tickets[t] = n
    unresolved: dict[str, int] = {}
    follows_rule = rules.get("follows")
    for n, m in enumerate(members):
        ref = m.node.get("follows")
        if not ref:
            continue
        ref = str(ref).strip()
        target: int | None = None
        parsed = REF.match(ref)
        if parsed:
            named = logs_by_name.get((parsed.group(1), parsed.group(2)))
            if named is not None:
                target = by_ref.get(named.ref(int(parsed.group(3))))
                error = None
                if target is None:
                    error = ("", {"ref": ref, "log": named.name})
                elif target == n:
                    error, target = ("self", {"ref": ref}), None
                if error is not None and follows_rule is not None and follows_rule.enabled:
                    ctx_of(m.log).add("follows", m.node.line_of("follows"), m.node.entry, "follows", *error)
        elif ref in tickets:
            target = tickets[ref]
        if target is None:
            if ref in unresolved:
                u.join(unresolved[ref], n)
            else:
                unresolved[ref] = n
        else:
            u.join(target, n)
    groups: dict[int, list[Member]] = {}
    for n, m in enumerate(members):
        groups.setdefault(u.find(n), []).append(m)
    for root in sorted(groups):
        group = groups[root]
        opening = next((m for m in group if not m.node.get("follows") and "follows" not in m.node.bad), None)
        ticket = next((str(m.node.get("ticket")) for m in group if m.node.get("ticket")), None)
        if ticket:
            item_id = ticket
        elif opening is not None:
            item_id = opening.log.ref(opening.node.get("no"))
        else:
            item_id = str(group[0].node.get("follows") or group[0].log.ref(group[0].node.get("no")))
        view = ItemView(group, opening, item_id, ctx_of, labels, defaults, as_of, rules)
        project.items.append(view)
        for m in group:
            project.item_of[id(m.node)] = view


rule("follows", "shift-log", scope="run")(link)


def apply_item_rules(project: Project, rules: dict[str, Rule], coded: list[Registered]) -> None:
    """Every timed rule of the shift log and every coded item rule, once per item.

    The rules in force are the project's (its estate's overrides), the same for
    all its items, so they are chosen once here rather than per item.
    """
    clocks = [r for r in rules.values() if r.enabled and r.form == "shift-log" and r.timed and r.id not in REGISTRY]
    code = [(reg, rules[reg.id]) for reg in coded if reg.id in rules and rules[reg.id].enabled]
    for item in project.items:
        for r in clocks:
            outcome = timed.apply(r, item, item.as_of)
            if outcome is not None:
                item.outcomes[r.id] = outcome
        for reg, found in code:
            reg.fn(item, found)


def check_links(project: Project, ctx_of: Callable[[Log], Ctx], rules: dict[str, Rule]) -> None:
    """``handover`` references to other logs, and ``handover-followup`` between consecutive logs."""
    handover = rules.get("handover")
    followup = rules.get("handover-followup")
    logs_by_name = {(lg.date, lg.shift): lg for lg in project.logs}
    ref_target: dict[str, ItemView] = {}
    for m in project.members:
        view = project.item_of[id(m.node)]
        ref_target[m.log.ref(m.node.get("no"))] = view
        if m.node.get("ticket"):
            ref_target.setdefault(str(m.node.get("ticket")), view)

    def listed(log: Log) -> list[tuple[Value, ItemView | None]]:
        h = log.handover
        if h is None or not h.has("open"):
            return []
        out = []
        for v in h.values["open"]:
            ref = str(v.v).strip()
            if ref.isdigit():
                node = next((e for e in log.entries if e.get("no") == int(ref)), None)
                out.append((v, project.item_of.get(id(node)) if node is not None else None))
                continue
            view = ref_target.get(ref)
            parsed = REF.match(ref)
            if view is None and parsed and (parsed.group(1), parsed.group(2)) in logs_by_name and \
                    handover is not None and handover.enabled:
                ctx_of(log).add("handover", v.line, None, "handover", "unknown-ref", {"ref": v.raw})
            out.append((v, view))
        return out

    lists = [listed(log) for log in project.logs]
    if followup is None or not followup.enabled:
        return
    position = {id(m.node): n for n, m in enumerate(project.members)}
    for i, log in enumerate(project.logs[:-1]):
        nxt = project.logs[i + 1]
        if nxt.start is None or log.start is None or nxt.start <= log.start:
            continue  # the same shift written twice, or a log without a window: no "next" to hand to
        here = {id(item): item for _, item in lists[i] if item is not None}
        present = {id(project.item_of[id(e)]) for e in nxt.entries if id(e) in project.item_of}
        present |= {id(item) for _, item in lists[i + 1] if item is not None}
        last_here = max((position[id(e)] for e in log.entries), default=-1)
        for key, item in here.items():
            if key in present:
                continue
            upto = [m for m in item.members if position[id(m.node)] <= last_here or m.log is log]
            if upto and upto[-1].node.get("status") == "closed":
                continue
            line = nxt.handover.line if nxt.handover is not None else None
            ctx_of(nxt).add("handover-followup", line, None, "handover", "",
                            {"item": item.id, "prev": log.name}, item=item.id)


rule("handover-followup", "shift-log", scope="run")(check_links)


def defaults_of(form: Form) -> dict[str, Any]:
    """Values a missing entry field means (records.md: urgency normal, validity valid)."""
    entries = next((f for f in form.fields if f.key == "entries"), None)
    fields = entries.fields if entries is not None else form.fields
    return {f.key: f.default for f in fields if f.default is not None}


def choice_fields(form: Form) -> list[str]:
    """Keys of the entry fields written as one of a list of choices (类别, 渠道, 回访结果 ...): an item's
    merged value of each is in the JSON report, so a KPI may count items by it."""
    entries = next((f for f in form.fields if f.key == "entries"), None)
    fields = entries.fields if entries is not None else form.fields
    return [f.key for f in fields if f.choices]


def as_of_of(project: Project, given: dt.datetime | None) -> dt.datetime | None:
    """"As of" for the project's items: --as-of, else the end of its latest shift in the run."""
    if given is not None:
        return given
    ends = [lg.end for lg in project.logs if lg.end is not None]
    return max(ends) if ends else None


def run_items(book: Handbook, logs: list[Log], form: Form, ctx_of: Callable[[Log], Ctx], as_of: dt.datetime | None,
              now: dt.datetime) -> list[Project]:
    """Link and judge every project's items; findings go to each log's Ctx."""
    coded = registered("shift-log", "item")
    defaults = defaults_of(form)
    labels = form.labels()
    out = []
    for project in projects(logs):
        rules = book.rules_for(project.name)
        moment = as_of_of(project, as_of) or now
        link(project, ctx_of, labels, defaults, moment, rules)
        apply_item_rules(project, rules, coded)
        check_links(project, ctx_of, rules)
        out.append(project)
    return out
