"""A month of checked records as the tables a supervisor reads (independent of the output format).

Input is one ``kefu check --format json`` document (:mod:`kefu.report.data`);
output is a :class:`Report` of plain rows that the HTML, PDF, Excel and CSV
writers render.  Items count in the month they were received; a finding
counts in the month of its record; incident reports by when they occurred,
inspection sheets by their date.  Labels are Chinese: a rule's title from
the handbook, an enumeration's label from its form.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from kefu import codes
from kefu.model import Handbook, Kpi
from kefu.report.kpi import Matcher, Result, contribution, met, number, show, show_target, total

#: Chinese names of finding ids that are not rules of the handbook (records.md's list)
NOT_RULES = {
    "unreadable": "文件无法读取", "unknown-key": "未知的栏目", "missing-key": "缺少必填项",
    "bad-value": "填写格式或取值错误", "no-calendar": "缺少当年工作日历", "follows": "跟进事项写错",
    "handover-followup": "移交事项下一班未跟进",
}
STATUS_ZH = {"met": "按时", "breached": "超时", "pending": "未到期"}
#: rows in the "most overdue" table
OVERDUE_ROWS = 20


@dataclass
class KpiRow:
    kpi: Kpi
    total: Result
    by_project: dict[str, Result]
    by_week: list[tuple[str, Result]]
    #: where the KPI comes from, as readers see it: 《物业客服中心作业指导》3.3
    source: str = ""

    @property
    def ok(self) -> bool | None:
        return met(self.kpi, self.total)

    def text(self, r: Result | None = None) -> str:
        return show(self.kpi, (r or self.total).value)

    def ok_of(self, r: Result) -> bool | None:
        return met(self.kpi, r)


@dataclass
class Report:
    month: str
    project: str | None
    projects: list[str]
    weeks: list[tuple[str, dt.date, dt.date]]
    kpis: list[KpiRow] = field(default_factory=list)
    by_rule: list[dict[str, Any]] = field(default_factory=list)
    by_staff: list[dict[str, Any]] = field(default_factory=list)
    by_type: list[tuple[str, int]] = field(default_factory=list)
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    generated: str = ""


def _day(text: Any) -> dt.date | None:
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def record_day(f: dict[str, Any]) -> dt.date | None:
    """The day a record is about: a shift's or inspection's date, an incident's occurrence."""
    rec = f.get("record") or {}
    return _day(rec.get("date")) or _day(rec.get("occurred_at"))


def item_day(item: dict[str, Any]) -> dt.date | None:
    """An item counts in the month it was received (or of its first entry, when received elsewhere)."""
    day = _day(item.get("received"))
    if day is None:
        entries = item.get("entries") or []
        day = _day(entries[0].get("date")) if entries else None
    return day


def month_of(day: dt.date | None) -> str | None:
    return f"{day:%Y-%m}" if day else None


def weeks_of(month: str) -> list[tuple[str, dt.date, dt.date]]:
    """Calendar weeks (Monday to Sunday) cut to the month: (label, first day, last day)."""
    year, mon = map(int, month.split("-"))
    first = dt.date(year, mon, 1)
    last = (dt.date(year + mon // 12, mon % 12 + 1, 1)) - dt.timedelta(days=1)
    out = []
    start = first
    while start <= last:
        end = min(start + dt.timedelta(days=6 - start.weekday()), last)
        out.append((f"{start.month}/{start.day}–{end.month}/{end.day}", start, end))
        start = end + dt.timedelta(days=1)
    return out


def default_month(doc: dict[str, Any]) -> str:
    """The month most records are about (a folder of November's logs is November's report)."""
    days = [record_day(f) for f in doc.get("files", [])] + [item_day(i) for i in doc.get("items", [])]
    months = Counter(m for m in (month_of(d) for d in days) if m)
    if not months:
        return f"{dt.date.today():%Y-%m}"
    return sorted(months.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def rule_title(book: Handbook, rule_id: str) -> str:
    if rule_id in book.rules and book.rules[rule_id].title:
        return book.rules[rule_id].heading()  # with the limit in force
    if rule_id in NOT_RULES:
        return NOT_RULES[rule_id]
    code = codes.CATALOGUE.get(rule_id)
    return code.about.split("：")[0].split("，")[0] if code else rule_id


def label(book: Handbook, form_id: str, key: str, value: Any) -> str:
    """An enumeration's Chinese label (报修 for repair), else the value as written."""
    form = book.forms.get(form_id)
    f = form.field(key) if form is not None else None
    if f is not None and isinstance(value, str):
        c = f.choice(value)
        if c is not None:
            return c.label
    return "（未填）" if value in (None, "") else str(value)


def minutes_zh(minutes: Any) -> str:
    if not isinstance(minutes, (int, float)):
        return "未完成"
    m = int(minutes)
    days, rest = divmod(m, 1440)
    hours, mins = divmod(rest, 60)
    parts = ([f"{days} 天"] if days else []) + ([f"{hours} 小时"] if hours else []) + ([f"{mins} 分钟"] if mins else [])
    return " ".join(parts) or "0 分钟"


def build(book: Handbook, doc: dict[str, Any], month: str | None = None, project: str | None = None,
          now: dt.datetime | None = None) -> Report:
    """The report of ``month`` (default: the month most records are about), for one project or all."""
    month = month or default_month(doc)
    # the same records give the same report, whatever order the check runs listed them in
    files = sorted(doc.get("files", []), key=lambda f: str(f.get("path")))

    def in_scope(f: dict[str, Any]) -> bool:
        if "record" not in f:  # a check output without records' heads: its month is not known
            return not project
        rec = f.get("record") or {}
        if project and rec.get("project") not in (None, project):
            return False
        if project and rec.get("project") is None and f.get("form") != "inspection":
            return False
        return month_of(record_day(f)) == month

    chosen = [f for f in files if f.get("readable", True) and in_scope(f)]
    unreadable = [f for f in files if not f.get("readable", True)]
    items = sorted((i for i in doc.get("items", []) or []
                    if month_of(item_day(i)) == month and (not project or i.get("project") == project)),
                   key=lambda i: (str(i.get("project")), str(i.get("received")), str(i.get("id"))))
    incidents = [f for f in chosen if f.get("form") == "incident-report"]
    inspections = [f for f in chosen if f.get("form") == "inspection"]
    projects = sorted({str(i.get("project")) for i in items if i.get("project")}
                      | {str((f.get("record") or {}).get("project")) for f in chosen
                         if (f.get("record") or {}).get("project")})
    weeks = weeks_of(month)
    report = Report(month, project, projects, weeks, generated=f"{(now or dt.datetime.now()):%Y-%m-%d %H:%M}")
    report.counts = {"files": len(chosen), "shift_logs": sum(1 for f in chosen if f.get("form") == "shift-log"),
                     "incidents": len(incidents), "inspections": len(inspections), "items": len(items),
                     "unreadable": len(unreadable),
                     "errors": sum(1 for f in chosen for x in f.get("findings", []) if x.get("severity") == "error"),
                     "warnings": sum(1 for f in chosen for x in f.get("findings", [])
                                     if x.get("severity") == "warning")}
    _kpis(book, report, items, incidents, inspections)
    _findings(book, report, chosen)
    _volume(book, report, items)
    _overdue(book, report, items)
    _scores(book, report, inspections)
    _incidents(book, report, incidents)
    _items(book, report, items)
    report.unreadable = [{"path": f["path"], "message": (f.get("findings") or [{}])[0].get("message", ""),
                          "line": (f.get("findings") or [{}])[0].get("line")} for f in unreadable]
    return report


def _records_of(kpi: Kpi, items: list[dict[str, Any]], incidents: list[dict[str, Any]],
                inspections: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dt.date | None, str | None]]:
    """(what the KPI filters, its day, its project) for each record of the KPI's kind."""
    if kpi.of == "items":
        return [(i, item_day(i), i.get("project")) for i in items]
    chosen = incidents if kpi.of == "incidents" else inspections
    return [(f.get("record") or {}, record_day(f), (f.get("record") or {}).get("project")) for f in chosen]


def _kpis(book: Handbook, report: Report, items: list[dict[str, Any]], incidents: list[dict[str, Any]],
          inspections: list[dict[str, Any]]) -> None:
    for kpi in book.kpis.values():
        if not kpi.enabled:
            continue
        rows = _records_of(kpi, items, incidents, inspections)
        m = Matcher(book, kpi.of)
        parts = [(contribution(m, kpi, r), day, project) for r, day, project in rows]  # each record judged once
        of_project: dict[Any, list[tuple[float, int] | None]] = {}
        for part, _, project in parts:
            of_project.setdefault(project, []).append(part)
        by_project = {p: total(kpi, of_project.get(p, [])) for p in report.projects}
        by_week = [(name, total(kpi, (part for part, d, _ in parts if d and a <= d <= b)))
                   for name, a, b in report.weeks]
        source = "；".join(doc.cite(sections) for doc, sections in book.cited(kpi))
        report.kpis.append(KpiRow(kpi, total(kpi, (part for part, _, _ in parts)), by_project, by_week, source))


def _findings(book: Handbook, report: Report, files: list[dict[str, Any]]) -> None:
    rules: dict[str, dict[str, Any]] = {}
    staff: dict[str, dict[str, Any]] = {}
    for f in files:
        rec = f.get("record") or {}
        names = rec.get("staff") or []
        if isinstance(names, str):
            names = [names]
        if f.get("form") == "incident-report":  # who received the visitors wrote it
            names = [rec["received_by"]] if rec.get("received_by") else []
        elif f.get("form") == "inspection":  # the inspector filled the sheet; the inspected are under 考评得分
            names = [rec["inspector"]] if rec.get("inspector") else []
        names = [str(n) for n in names] or ["（未写值班人员）"]
        for name in names:
            s = staff.setdefault(name, {"staff": name, "records": 0, "errors": 0, "warnings": 0})
            s["records"] += 1
        for x in f.get("findings", []):
            rid = str(x.get("rule"))
            r = rules.setdefault(rid, {"rule": rid, "title": rule_title(book, rid), "errors": 0, "warnings": 0,
                                       "help": x.get("help")})
            sev = "errors" if x.get("severity") == "error" else "warnings"
            r[sev] += 1
            for name in names:
                staff[name][sev] += 1
            report.findings.append({
                "path": f["path"], "line": x.get("line"), "cell": x.get("cell"), "entry": x.get("entry"),
                "item": x.get("item"), "rule": rid, "title": rule_title(book, rid),
                "severity": "错误" if x.get("severity") == "error" else "提醒",
                "message": x.get("message", ""), "project": rec.get("project"), "date": rec.get("date"),
                "shift": rec.get("shift"), "staff": "、".join(names), "help": x.get("help")})
    report.by_rule = sorted(rules.values(), key=lambda r: (-(r["errors"] + r["warnings"]), r["title"]))
    report.by_staff = sorted(staff.values(), key=lambda s: (-s["errors"], -s["warnings"], s["staff"]))


def _volume(book: Handbook, report: Report, items: list[dict[str, Any]]) -> None:
    types = Counter(label(book, "shift-log", "type", i.get("type")) for i in items)
    channels = Counter(label(book, "shift-log", "channel", i.get("channel")) for i in items)
    report.by_type = sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))
    report.by_channel = sorted(channels.items(), key=lambda kv: (-kv[1], kv[0]))


def _where(item: dict[str, Any]) -> str:
    entries = item.get("entries") or []
    if not entries:
        return ""
    e = entries[-1]
    return f"{e.get('path')}:{e.get('cell') or e.get('line')}"


def _overdue(book: Handbook, report: Report, items: list[dict[str, Any]]) -> None:
    rows = []
    for i in items:
        for rid, state in (i.get("rules") or {}).items():
            if (state or {}).get("status") != "breached":
                continue
            late = state.get("late_minutes")
            done = state.get("stopped")
            if done is False:
                text = "未完成" + (f"（已超出 {minutes_zh(late)}）" if late else "")
            else:  # written late, or a check output that does not say ("stopped" absent)
                text = minutes_zh(late) if late is not None else "未完成"
            done = done if done is not None else late is not None
            rows.append({"item": i.get("id"), "project": i.get("project"),
                         "type": label(book, "shift-log", "type", i.get("type")), "rule": rid,
                         "title": rule_title(book, rid), "due": state.get("due"), "late_minutes": late,
                         "done": bool(done), "late": text, "where": _where(i), "received": i.get("received")})
    # never done first (still open past the deadline), each group the latest first
    rows.sort(key=lambda r: (r["done"], -(r["late_minutes"] or 0), str(r["due"])))
    report.overdue = rows[:OVERDUE_ROWS]


def _scores(book: Handbook, report: Report, inspections: list[dict[str, Any]]) -> None:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in inspections:
        rec = f.get("record") or {}
        groups[(str(rec.get("staff") or "（未写）"), str(rec.get("role") or "（未写）"))].append(rec)
    rows = []
    for (staff, role), recs in groups.items():
        totals = [t for t in (number(r.get("total")) for r in recs) if t is not None]
        lost: dict[str, float] = defaultdict(float)
        for r in recs:
            for it in r.get("items") or []:
                d = number(it.get("deducted"))
                if d is not None and d > 0:
                    lost[str(it.get("component"))] += d
        kinds = Counter(label(book, "inspection", "kind", r.get("kind")) for r in recs)
        rows.append({"staff": staff, "role": role, "sheets": len(recs),
                     "kinds": "、".join(f"{k} {n}" for k, n in sorted(kinds.items())),
                     "mean": round(sum(totals) / len(totals), 1) if totals else None,
                     "lowest": _int(min(totals)) if totals else None,
                     "lost": "、".join(f"{c}（{n:g} 分）" for c, n in sorted(lost.items(), key=lambda kv: -kv[1])[:3])
                     or "无扣分"})
    report.scores = sorted(rows, key=lambda r: (r["mean"] is None, r["mean"] or 0, r["staff"]))


def _int(v: float) -> int | float:
    return int(v) if float(v).is_integer() else v


def _incidents(book: Handbook, report: Report, incidents: list[dict[str, Any]]) -> None:
    for f in incidents:
        rec = f.get("record") or {}
        state = (rec.get("rules") or {}).get("incident-report-time") or {}
        report.incidents.append({
            "path": f["path"], "project": rec.get("project"), "place": rec.get("place"),
            "class": label(book, "incident-report", "class", rec.get("class")),
            "event": label(book, "incident-report", "event", rec.get("event")) if rec.get("event") else "",
            "occurred_at": rec.get("occurred_at"), "resolved_at": rec.get("resolved_at"),
            "reported_at": rec.get("reported_at"), "due": state.get("due"),
            "status": STATUS_ZH.get(str(state.get("status")), "—"), "ok": state.get("status"),
            "late": minutes_zh(state.get("late_minutes")) if state.get("status") == "breached" else ""})
    report.incidents.sort(key=lambda r: str(r["occurred_at"]))


def _items(book: Handbook, report: Report, items: list[dict[str, Any]]) -> None:
    for i in items:
        rules = i.get("rules") or {}
        entries = i.get("entries") or []
        staff = sorted({str(s) for e in entries for s in (e.get("staff") or [])})
        report.items.append({
            "item": i.get("id"), "project": i.get("project"), "type": label(book, "shift-log", "type", i.get("type")),
            "channel": label(book, "shift-log", "channel", i.get("channel")),
            "urgency": label(book, "shift-log", "urgency", i.get("urgency") or "normal"),
            "received": i.get("received"), "closed": "已完成" if i.get("closed") else "未完成",
            "entries": len(entries), "staff": "、".join(staff), "where": _where(i),
            "rules": "；".join(f"{rule_title(book, r)}：{STATUS_ZH.get(str((s or {}).get('status')), '—')}"
                              for r, s in rules.items()),
            "breached": sum(1 for s in rules.values() if (s or {}).get("status") == "breached")})


def kpi_table(report: Report) -> list[dict[str, Any]]:
    """The KPI sheet: one row per KPI (and per project and week), values as numbers."""
    rows = []
    for k in report.kpis:
        def row(scope: str, r: Result, k: KpiRow = k) -> dict[str, Any]:
            ok = k.ok_of(r)
            return {"kpi": k.kpi.name, "scope": scope, "value": None if r.value is None else round(r.value, 1),
                    "shown": k.text(r), "numerator": r.numerator if k.kpi.measure == "share" else None,
                    "denominator": r.denominator, "target": show_target(k.kpi),
                    "met": "达标" if ok else ("未达标" if ok is False else "—"),
                    "source": k.source}

        rows.append(row("全部", k.total))
        rows += [row(p, r) for p, r in k.by_project.items()]
        rows += [row(f"第 {n} 周 {w}", r) for n, (w, r) in enumerate(k.by_week, 1)]
    return rows
