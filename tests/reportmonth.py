"""Hand-made months in the shape of ``kefu check --format json`` (items, records, rule statuses).

Every rate of these months is known by hand; tests/test_report.py states them.
The shape is the one the lead's engine emits (files with ``record``, ``items``
with ``rules``), so the report is tested before and after it lands.
"""

from __future__ import annotations

from typing import Any

EAST, WEST = "东湖湾名苑", "西山花园"


def rule(status: str, late: int | None = None, due: str = "2026-11-20 10:00",
         stopped: bool | None = None) -> dict[str, Any]:
    """A timed rule's outcome; ``late`` without ``stopped`` means the stop was written late."""
    done = stopped if stopped is not None else status == "met" or (status == "breached" and late is not None)
    return {"status": status, "due": due, "late_minutes": late, "stopped": done}


def item(no: int, project: str, kind: str, received: str, rules: dict[str, Any], channel: str = "phone",
         closed: bool = True, ticket: str | None = None, shift: str = "夜班", **fields: Any) -> dict[str, Any]:
    """One item; ``fields`` are its other enumerated values as the check reports them (callback_result ...)."""
    day = received[:10]
    return {**fields,"id": ticket or f"{day}/{shift}/{no}", "project": project, "type": kind, "channel": channel,
            "urgency": "normal", "validity": None, "received": received, "closed": closed,
            "entries": [{"path": f"logs/{project}/{day}-{shift}.yaml", "entry": no, "line": 10 + 12 * no,
                         "date": day, "shift": shift, "staff": ["张敏"] if project == EAST else ["刘洋"]}],
            "rules": rules}


def shift_file(project: str, day: str, staff: list[str], findings: list[dict[str, Any]],
               shift: str = "夜班") -> dict[str, Any]:
    return {"path": f"logs/{project}/{day}-{shift}.yaml", "form": "shift-log", "readable": True,
            "record": {"project": project, "date": day, "shift": shift, "staff": staff,
                       "start": f"{day} 20:00", "end": f"{day} 08:00"},
            "findings": findings}


def finding(rule_id: str, severity: str = "error", entry: int | None = 1, item_id: str | None = None,
            field: str | None = None, line: int = 20) -> dict[str, Any]:
    return {"rule": rule_id, "severity": severity, "line": line, "entry": entry, "field": field,
            "message": f"{rule_id} 的说明", "help": f"http://localhost:8000/sla/#{rule_id}", "item": item_id,
            "cell": None}


def incident(project: str, occurred: str, status: str | None, reported: str | None) -> dict[str, Any]:
    rules = {"incident-report-time": rule(status, 90 if status == "breached" else None)} if status else {}
    return {"path": f"incidents/{project}/{occurred[:10]}.yaml", "form": "incident-report", "readable": True,
            "record": {"project": project, "place": "接待室", "class": "A", "event": None, "occurred_at": occurred,
                       "resolved_at": occurred, "reported_at": reported, "received_by": "钱丽",
                       "notified": ["品质部"], "rules": rules},
            "findings": [finding("incident-report-time", entry=None)] if status == "breached" else []}


def inspection(staff: str, role: str, kind: str, day: str, total: float,
               lost: dict[str, float]) -> dict[str, Any]:
    items = [{"component": c, "max": 30, "deducted": d, "score": 30 - d} for c, d in lost.items()]
    return {"path": f"inspections/{day}-{staff}.yaml", "form": "inspection", "readable": True,
            "record": {"kind": kind, "role": role, "staff": staff, "inspector": "陈主任", "date": day,
                       "total": f"{total:g}", "items": items},  # values as written on the sheet
            "findings": []}


def november() -> dict[str, Any]:
    """Two estates, November 2026, plus one item of October 31 and one of December 1.

    Callbacks (repairs and complaints, pending left out):
      东湖湾名苑: repair met, repair met, repair late (breached, 30 min), complaint missing (breached, no callback
                  as of the check: "stopped": false),
                  repair pending (left out)                 -> rate 3/4 = 75 %, timely 2/4 = 50 %
      西山花园:   repair met, complaint met                  -> rate 2/2 = 100 %, timely 2/2 = 100 %
      month:      rate 5/6 = 83.3 %, timely 4/6 = 66.7 %
    Callback satisfaction (called back, met or late; the result of the last callback):
      东湖湾名苑: repair satisfied, repair satisfied, repair (late) unsatisfied -> 2/3 = 66.7 %
      西山花园:   repair satisfied, complaint written without a result (not counted as satisfied) -> 1/2 = 50 %
      month:      3/5 = 60 %
    Complaint handling on time: 东湖湾名苑 1 breached, 西山花园 1 met, 1 pending -> 1/2 = 50 %
    Complaint callback rate: 东湖湾名苑 complaint missing, 西山花园 met -> 1/2 = 50 %
    Incident reports: 1 met, 1 breached -> 50 %
    Daily scores: 98, 90 (张敏), 80 (刘洋) -> mean 89.3; weekly: none -> "—"
    """
    items = [
        item(1, EAST, "repair", "2026-11-02 21:00", {"callback": rule("met"), "repair-appointment": rule("met")},
             callback_result="satisfied"),
        item(2, EAST, "repair", "2026-11-03 22:00", {"callback": rule("met")}, callback_result="satisfied"),
        item(3, EAST, "repair", "2026-11-10 21:30", {"callback": rule("breached", 30, "2026-11-11 21:30")},
             ticket="BX-1110-3", callback_result="unsatisfied"),
        item(4, EAST, "complaint", "2026-11-17 23:30", {"callback": rule("breached", 700, "2026-11-19 09:00",
                                                                            stopped=False),
                                                          "complaint-resolution-time": rule("breached", 300,
                                                                                            stopped=False),
                                                          "complaint-crm-entry": rule("breached", 40)}),
        item(5, EAST, "repair", "2026-11-30 23:00", {"callback": rule("pending", None, "2026-12-01 23:00")},
             closed=False),
        item(6, EAST, "inquiry", "2026-11-05 20:30", {}, channel="visit"),
        item(1, WEST, "repair", "2026-11-04 21:10", {"callback": rule("met")}, callback_result="satisfied"),
        item(2, WEST, "complaint", "2026-11-24 22:00", {"callback": rule("met"),
                                                          "complaint-resolution-time": rule("met")}),
        item(3, WEST, "complaint", "2026-11-26 22:40", {"complaint-resolution-time": rule("pending")},
             channel="online", closed=False),
        # received on October 31, finished in November: counts in October
        item(9, EAST, "complaint", "2026-10-31 23:50", {"callback": rule("met"),
                                                          "complaint-resolution-time": rule("breached", 600)}),
        # received on December 1: counts in December
        item(1, WEST, "repair", "2026-12-01 20:30", {"callback": rule("breached", 5)}),
    ]
    files = [
        shift_file(EAST, "2026-11-02", ["张敏"], []),
        shift_file(EAST, "2026-11-10", ["张敏", "李强"],
                   [finding("callback", item_id="BX-1110-3", field="callback_at")]),
        shift_file(EAST, "2026-11-17", ["张敏"],
                   [finding("complaint-crm-entry", item_id="2026-11-17/夜班/4", field="crm_at"),
                    finding("callback", item_id="2026-11-17/夜班/4", field="callback_at"),
                    finding("online-browsing", "error", None, field="online_checks")]),
        shift_file(WEST, "2026-11-04", ["刘洋"], [finding("repair-sign-off", "error", 1, field="signed")]),
        shift_file(WEST, "2026-11-24", ["刘洋"], []),
        shift_file(EAST, "2026-10-31", ["张敏"], [finding("complaint-resolution-time")]),
        shift_file(WEST, "2026-12-01", ["刘洋"], [finding("callback")]),
        incident(EAST, "2026-11-08 10:20", "met", "2026-11-09 16:00"),
        incident(WEST, "2026-11-20 15:00", "breached", None),
        inspection("张敏", "客服中心", "daily", "2026-11-12", 98, {"交接班质量": 2}),
        inspection("张敏", "客服中心", "daily", "2026-11-19", 90, {"交接班质量": 6, "岗位工作质量": 4}),
        inspection("刘洋", "客服中心", "daily", "2026-11-20", 80, {"岗位工作质量": 15, "工作效率": 5}),
        {"path": "logs/broken.yaml", "form": None, "readable": False,
         "findings": [{"rule": "unreadable", "severity": "error", "line": 3, "entry": None, "field": None,
                       "message": "YAML 格式错误", "help": None}]},
    ]
    return {"files": files, "items": items,
            "summary": {"files": len(files), "unreadable": 1, "errors": 0, "warnings": 0}}


def shard(doc: dict[str, Any], project: str) -> dict[str, Any]:
    """The part of a month one estate's batch job would have checked."""
    def keep(f: dict[str, Any]) -> bool:
        where = (f.get("record") or {}).get("project")
        if where is not None:
            return bool(where == project)
        return f.get("form") == "inspection" or project == EAST  # inspections in both; the broken file once

    files = [f for f in doc["files"] if keep(f)]
    return {"files": files, "items": [i for i in doc["items"] if i["project"] == project],
            "summary": {"files": len(files)}}
