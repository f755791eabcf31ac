"""The one engine for every timed rule: "``stop`` within ``limit`` after ``start``".

A timed rule is a declaration (:class:`kefu.model.Rule` with ``form``, ``when``,
``start``/``agreed``, ``stop``, ``limit``, ``variants``, ``severity``), shipped in
``procedures/rules/`` or added by a company in its company file; nothing here
knows a rule id or a number.  The engine judges one *subject*: an item of shift
log entries (:class:`kefu.check.items.ItemView`) or a whole record (an incident
report), through the small :class:`Subject` interface.

Two extensions of the plain clock, documented in ``procedures/README.md``:

- ``agreed``: a field holding a time agreed with the owner (``reply_due``,
  ``appointment_at``).  When written it is the deadline; with ``start`` and
  ``limit`` it must itself fall within the limit; ``agreed_required`` makes a
  missing one a breach (only where the item's intake is among the records).
- ``excuse``: a text field (``notes``) that, filled in, excuses a late stop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kefu.check.workdays import duration_en, duration_zh
from kefu.codes import Text
from kefu.model import Limit, Rule, When


class Subject(Protocol):
    """What a timed rule reads: merged values, where they were written, and how to report."""

    intake: bool  #: the item's opening entry (its ``at``, its intake values) is among the records

    def get(self, key: str) -> Any: ...
    def raw(self, key: str) -> str: ...
    def bad(self, key: str) -> bool: ...
    def label(self, key: str) -> str: ...
    def report(self, rule: Rule, key: str, variant: str, params: dict[str, Any]) -> None: ...
    def report_status(self, rule: Rule, variant: str, params: dict[str, Any]) -> None: ...
    def show(self, moment: dt.datetime) -> str: ...
    def deadline(self, start: dt.datetime, limit: Limit, key: str) -> dt.datetime: ...
    def matches(self, when: When) -> bool: ...


@dataclass
class Outcome:
    """How a timed rule ended for one subject (for the JSON's ``items[].rules`` and KPIs)."""

    status: str  #: met, breached or pending
    due: dt.datetime | None
    late_minutes: int | None = None
    stopped: bool = False  #: the stop was written (a breach done late, not one never done)


def limit_text(limit: Limit) -> Text:
    return Text(limit.zh(), limit.en())


def apply(rule: Rule, s: Subject, as_of: dt.datetime) -> Outcome | None:
    """Judge ``s`` by ``rule``; report breaches through ``s``; None when the rule does not apply."""
    if not rule.enabled or not s.matches(rule.when):
        return None
    if rule.excuse and str(s.get(rule.excuse) or "").strip():
        return None
    start: dt.datetime | None = None
    if rule.start:
        if rule.start == "at" and not s.intake:
            return None  # a follow-up whose opening entry is not among the records: no clock
        start = s.get(rule.start)
        if start is None:
            return None
    limit = rule.limit_for(s.matches)

    # the words of a finding are built only for a finding: most items meet their limits
    def from_start() -> Text:
        assert rule.start is not None
        return Text(f"{rule.start_zh or s.label(rule.start)} {s.raw(rule.start)}", f"{rule.start} {s.raw(rule.start)}")

    words: Callable[[], Text] = from_start
    latest = None
    if start is not None and limit is not None:
        latest = s.deadline(start, limit, rule.agreed or rule.stop or "")

    due: dt.datetime | None
    if rule.agreed:
        if s.bad(rule.agreed):
            return None  # reported as bad-value already
        agreed = s.get(rule.agreed)
        agreed_label = Text(s.label(rule.agreed), rule.agreed)
        if agreed is None:
            if rule.agreed_required and s.intake and rule.start and latest is not None:
                s.report(rule, rule.agreed, "agreed-missing",
                         {"start": from_start(), "agreed_label": agreed_label, "agreed_key": rule.agreed,
                          "limit": limit_text(limit) if limit else "", "latest": s.show(latest)})
            if latest is None:
                return None
            due = latest
        elif latest is not None and agreed > latest:
            s.report(rule, rule.agreed, "agreed-late",
                     {"start": from_start(), "agreed_label": agreed_label, "agreed_key": rule.agreed,
                      "agreed": s.raw(rule.agreed), "limit": limit_text(limit) if limit else "",
                      "latest": s.show(latest)})
            due = latest
        else:
            due = agreed
        agreed_key, written, moment = rule.agreed, due is agreed, due

        def from_agreed() -> Text:
            shown = s.raw(agreed_key) if written else s.show(moment)
            return Text(f"{s.label(agreed_key)} {shown}", f"{agreed_key} {shown}")

        words = from_agreed
        if rule.excuse:
            shown_limit = Text(f"约定时间（晚了须在{s.label(rule.excuse)}写明原因及已告知业主）",
                               f"the agreed time (a late {rule.stop} needs {rule.excuse}: why, owner told)")
        else:
            shown_limit = Text("约定时间", "the agreed time")
    else:
        if latest is None or limit is None:
            return None
        due = latest
        shown_limit = limit_text(limit)
    return _deadline(rule, s, due, words, shown_limit, as_of)


def _deadline(rule: Rule, s: Subject, due: dt.datetime, start_text: Callable[[], Text], shown_limit: Text,
              as_of: dt.datetime) -> Outcome | None:
    """The common end of every timed rule.

    - stop written and later than the deadline: a breach on the stop field;
    - stop missing and the deadline passed as of the check: a breach on it too;
    - missing and the deadline still ahead: the item must stay ``open`` (the handover
      rule checks it is handed over); a ``closed`` one is reported on ``status``.
    Exactly at the deadline is on time.  A bad stop value was reported already.
    """
    key = rule.stop or ""
    if s.bad(key):
        return None
    stop_label = Text(rule.stop_zh or s.label(key), key)
    stop = s.get(key)
    if stop is not None:
        if stop > due:
            over = stop - due
            s.report(rule, key, "", {"start": start_text(), "stop_label": stop_label, "stop": s.raw(key),
                                     "over": Text(duration_zh(over), duration_en(over)), "limit": shown_limit})
            return Outcome("breached", due, int(over.total_seconds() // 60), stopped=True)
        return Outcome("met", due, stopped=True)
    if as_of > due:
        s.report(rule, key, "missing", {"start": start_text(), "limit": shown_limit, "due": s.show(due),
                                        "as_of": s.show(as_of), "stop_label": stop_label, "stop_key": key})
        return Outcome("breached", due, int((as_of - due).total_seconds() // 60))
    if s.get("status") == "closed":
        s.report_status(rule, "pending-closed", {"start": start_text(), "stop_label": stop_label, "due": s.show(due),
                                                  "stop_key": key})
    return Outcome("pending", due)
