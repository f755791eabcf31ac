"""The shipped handbook against its five source documents: corrections a careful reading made.

Each test pins one fact the documents state (or one value they lost) so it cannot drift back:
who is told of a visitor incident at the company office and at an estate, the order of a
major-event report, the butler's daily patrol, the reporting line of the 客服专员, which items
the 24-hour callback covers, and what the handbook wrote itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checkhelp import REPO, kefu
from kefu.model import Handbook


@pytest.fixture(scope="module")
def book(shipped) -> Handbook:
    return shipped[0]


def section(book: Handbook, seed: str, ref: str):
    doc = book.document(seed)
    assert doc is not None
    sec = doc.section(ref)
    assert sec is not None, f"{seed} has no section {ref}"
    return sec


# ------------------------------------------------------------------ visitor incidents (004)

#: (class, office) -> whom a report must list, as the visitor procedure's sections 4 and 5 say
MUST = {("A", "company"): ["品质部"], ("B", "company"): ["行政人事部"], ("C", "company"): ["行政人事部"],
        ("A", "estate"): [], ("B", "estate"): [], ("C", "estate"): ["管理处经理", "行政人事部"]}


def test_visitor_classes_notify_the_people_the_procedure_names_per_office(book) -> None:
    by_code = {c.code: c for c in book.incident_classes.values()}
    for (code, office), must in MUST.items():
        assert by_code[code].must_list(office) == must, (code, office)
    a, b, c = by_code["A"], by_code["B"], by_code["C"]
    assert a.notify[0] == "品质部" and "管理处经理" not in a.notify  # company: 品质部; media go to 行政人事部
    assert a.estate_notify == ["园区主任", "管理处经理"]  # the 主任助理 receives; they join if needed or for media
    assert b.estate_notify == ["管理处经理", "人事专管员"]  # centre staff answer first
    assert c.estate_notify[0] == "管理处经理"
    for cls in (a, b, c):
        assert set(cls.must_notify) <= set(cls.notify) and set(cls.estate_must_notify) <= set(cls.estate_notify)


@pytest.mark.parametrize(("code", "office"), sorted(MUST))
def test_a_report_listing_what_the_class_requires_passes_incident_notify(tmp_path: Path, code, office) -> None:
    record = {"form": "incident-report", "project": "东湖湾名苑", "office": office, "place": "接待室",
              "class": code, "occurred_at": "2026-11-19 10:20", "resolved_at": "2026-11-19 11:40",
              "reported_at": "2026-11-20 16:00", "received_by": "主任助理 钱丽",
              "notified": MUST[(code, office)] or ["园区主任"], "summary": "来访", "actions": "接待", "result": "离开"}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    res = kefu("check", "--format", "json", str(path), "--as-of", "2026-11-24 12:00")
    assert res.json["files"][0]["findings"] == [], res.stdout
    if MUST[(code, office)]:
        record["notified"] = ["园区主任"]
        path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        res = kefu("check", "--format", "json", str(path), "--as-of", "2026-11-24 12:00")
        rules = [f["rule"] for f in res.json["files"][0]["findings"]]
        assert rules == ["incident-notify"] * len(MUST[(code, office)])


def test_at_an_estate_the_director_assistant_receives_a_class_a_visitor(book) -> None:
    a = book.procedures["visitor-incident-a"]
    steps = " ".join(s.action + " ".join(b.then for b in s.branches) for s in a.steps)
    assert "主任助理接待" in steps and "园区主任一起回应" in steps and "园区主任和管理处经理到场" in steps
    assert "在管理处通知园区主任" not in steps
    b = " ".join(s.action + " ".join(x.then for x in s.branches) for s in book.procedures["visitor-incident-b"].steps)
    assert b.index("服务中心人员自己接待") < b.index("人事专管员")


# ------------------------------------------------------------------ the rulebook (002)

def test_a_major_event_is_reported_to_the_manager_before_departments_are_alerted(book) -> None:
    rule = book.rules["major-event-report"]
    assert rule.explain.index("报告客服部经理") < rule.explain.index("通知相关部门")
    for pid, department in (("incident-elevator", "通知工程部"), ("incident-water-power", "通知工程部")):
        steps = book.procedures[pid].steps
        report = next(n for n, s in enumerate(steps) if "major-event-report" in s.rules)
        alert = next(n for n, s in enumerate(steps) if department in s.action)
        assert report < alert, pid
    night = next(s.action for s in book.procedures["night-duty"].steps if "major-event-report" in s.rules)
    assert night.index("报告客服部经理") < night.index("通知相关部门")


def test_the_butler_patrols_every_day(book) -> None:
    target = book.rules["butler-daily-patrol"].target or ""
    assert "每天" in target and "工作日" not in target
    assert any(t.cadence == "daily" and t.procedure == "butler-patrol" for t in book.roles["butler"].routine)


def test_who_inspects_the_manager_is_a_recorded_contradiction(book) -> None:
    sec = section(book, "002", "客服部员工绩效考评实施标准作业规程")
    assert sec.status == "contradictory" and "日检" in sec.reading and "抽检" in sec.reading
    manager = book.evaluations["manager-evaluation"]
    assert {i.by for i in manager.inspections} == {"general-manager"}
    assert {i.kind for i in manager.inspections if i.company_set} == {"daily", "spot"}
    assert manager.company_set and "扣完为止" in manager.company_set_reason  # the floor at zero is ours


def test_the_specialist_reports_to_the_supervisor(book) -> None:
    specialist = book.role_named("客服专员")
    assert specialist is not None and specialist.reports_to == "cs-supervisor"
    assert specialist.id in book.roles["cs-supervisor"].supervises
    assert section(book, "002", "客服助理岗位职责").status == "contradictory"


# ------------------------------------------------------------------ the estate standards (001)

def test_the_24_hour_callback_for_warranty_items_is_marked_as_the_company_s_to_confirm(book) -> None:
    """The estate standards give 24 h for repairs and complaints; for warranty items the record
    contract keeps the same 24 h, which the handbook flags as a default the company must confirm."""
    callback = book.rules["callback"]
    assert callback.when == {"type": ["repair", "complaint", "warranty"]} and not callback.company_set
    (warranty,) = callback.variants
    assert warranty.when == {"type": ["warranty"]} and warranty.company_set and "没有写时限" in warranty.company_set_reason


def test_a_warranty_item_called_back_days_later_is_late_by_the_contract(tmp_path: Path) -> None:
    """records.md applies the callback limit to warranty items too: a company that disagrees changes it."""
    log = (REPO / "tests" / "fixtures" / "records" / "warranty-at-limit.ok.yaml").read_text(encoding="utf-8")
    path = tmp_path / "log.yaml"
    path.write_text(log.replace('callback_at: "2026-11-23 15:00"', 'callback_at: "2026-11-26 15:00"'), encoding="utf-8")
    res = kefu("check", "--format", "json", str(path), "--as-of", "2026-11-27 09:00")
    assert "callback" in {f["rule"] for f in res.json["files"][0]["findings"]}, res.stdout
    cfg = tmp_path / "kefu.yaml"
    cfg.write_text((REPO / "kefu.yaml").read_text(encoding="utf-8").replace(
        "rules: {}", "rules:\n  callback:\n    variants: [{when: {type: 维保}, limit: {value: 7, unit: days}}]"),
        encoding="utf-8")
    res = kefu("check", "--format", "json", "--config", str(cfg), str(path), "--as-of", "2026-11-27 09:00")
    assert "callback" not in {f["rule"] for f in res.json["files"][0]["findings"]}, res.stdout
    late = log.replace('callback_at: "2026-11-23 15:00"', 'callback_at: "2026-11-26 15:00"')
    path.write_text(late.replace("type: 维保", "type: 报修"), encoding="utf-8")
    res = kefu("check", "--format", "json", str(path), "--as-of", "2026-11-27 09:00")
    assert "callback" in {f["rule"] for f in res.json["files"][0]["findings"]}, res.stdout


def test_callers_are_recorded_by_full_name_and_building_unit_room(book) -> None:
    for pid in ("phone-reception", "message-taking"):
        text = " ".join(s.action for s in book.procedures[pid].steps)
        assert "姓名全称" in text and "楼号" in text and "门牌号" in text, pid
        assert any(s.seed == "000" and s.section == "3.1.2" for s in book.procedures[pid].sources), pid
    assert section(book, "000", "3.1.2").status == "contradictory"


def test_the_estate_ideals_and_the_service_plan_are_in_the_first_page_new_staff_read(book) -> None:
    text = " ".join(s.action for s in book.procedures["service-principles"].steps)
    for words in ("及时、全面、便捷、高效", "诚心、热心、细心、耐心、恒心", "基础服务", "增值服务", "情感服务"):
        assert words in text
    loop = book.glossary["service-loop"]
    for step in ("快速响应", "精准派单", "过程监控", "结果反馈", "回访评价"):
        assert step in loop.definition
    assert loop.company_set and section(book, "003", "2.2（第四、五步）").status == "lost"


# ------------------------------------------------------------------ the operations guide (000)

def test_urgency_grades_are_not_the_visitor_classes(book) -> None:
    for cid in ("repair", "help"):
        assert all(k.endswith("级") for k in book.categories[cid].urgency), cid
    assert all(k.endswith("类") for k in book.categories["incident"].urgency)
    sec = section(book, "000", "3.3.1")
    assert sec.status == "contradictory" and "C2" in sec.reading


def test_leaking_personal_data_is_pursued_at_law(book) -> None:
    text = " ".join(s.action for s in book.procedures["personal-data"].steps)
    assert "依法追究" in text and "法律责任" in text


def test_the_activity_limits_cite_the_section_that_gives_them(book) -> None:
    for rid in ("activity-notice", "activity-signup-confirm"):
        assert [(s.seed, s.section) for s in book.rules[rid].sources] == [("000", "3.3")]
    assert ("000", "3.3") in [(s.seed, s.section) for s in book.categories["activity"].sources]


# ------------------------------------------------------------------ what the handbook wrote

@pytest.mark.parametrize("sid", ["callback-opening", "move-in-welcome", "move-in-rectification",
                                 "renovation-reply-date", "warranty-accept", "elevator-calm", "fire-evacuate",
                                 "fee-explain", "complaint-listening", "apology-valid", "agree-reply-time",
                                 "repair-ask-time"])
def test_example_scripts_say_they_are_examples(book, sid) -> None:
    script = book.scripts[sid]
    assert script.origin == "written" and script.origin_note
    assert "种子" not in (script.why or "")


@pytest.mark.parametrize("sid", ["phone-greeting", "ask-surname", "will-check-for-you", "hold-please-wait",
                                 "visit-how-can-i-help", "resume-sorry-delay"])
def test_the_documents_own_words_are_not_marked_as_examples(book, sid) -> None:
    assert book.scripts[sid].origin == "document"


def test_procedures_built_around_a_heading_are_written_and_company_set(book) -> None:
    comm = book.procedures["communication-skills-training"]
    assert comm.origin == "written" and comm.company_set
    assert next(s.section for s in comm.sources if s.seed == "000") == "6.2.3"
    drill = book.procedures["emergency-drill"]
    assert drill.steps[0].company_set and "批准" in drill.steps[0].company_set_reason
    elevator = book.procedures["incident-elevator"]
    chase = next(s for s in elevator.steps if "15 分钟" in s.action)
    assert chase.company_set
    for form_id in ("document-loan-register", "document-destruction-record"):
        assert book.forms[form_id].company_set and book.forms[form_id].origin == "written"


def test_every_lost_section_says_what_replaces_it(book) -> None:
    for doc in book.documents.values():
        for sec in doc.sections:
            if sec.status == "lost":
                assert sec.default, f"{doc.id} {sec.ref}"
    assert section(book, "004", "标准2 场景三").status == "lost"
    assert book.procedures["busy-reception"].steps[1].company_set


def test_reader_text_names_documents_by_title_not_by_seed_number(book) -> None:
    import re

    for path in (REPO / "procedures").rglob("*.yaml"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.lstrip().startswith("#"):
                assert not re.search(r"种子", line), f"{path.name}:{n}: {line.strip()}"
