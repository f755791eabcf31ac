"""`kefu lint` on where content comes from: the source map, origins, review dates.

Each case writes a small handbook the way an editor would (one procedure, one script, one
source map file) and breaks one thing, so the finding an editor sees is the one asserted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import run_kefu
from kefu.lint import lint

TODAY = dt.date(2026, 12, 1)

PROCEDURE = """\
procedures:
  - id: complaint
    title: 投诉受理
    situation: 业主来电投诉
    roles: [cs-assistant]
    owner: cs-assistant
    reviewed: "{reviewed}"
    steps:
      - actor: cs-assistant
        action: 听业主说完，再回答。
        say: [listen]
    sources: [{{seed: "001", section: "投诉受理"}}]
roles:
  - id: cs-assistant
    name: 客服助理
    sources: [{{seed: "001", section: "投诉受理"}}]
"""

SCRIPT = """\
scripts:
  - id: listen
    situation: complaint
    text: "您慢慢说，我都记下来。"
{origin}    sources: [{{seed: "001", section: "{section}"}}]
"""

MAP = """\
documents:
  - id: estate-standards
    seed: "001"
    title: 东湖湾项目贴心服务内容
    written_in: zh-Hant
    sections:
      - ref: 投诉受理
        heading: 投诉受理
        says: 不打断、不反驳，待业主说完再回答。
        status: covered
        items: [{items}]
      - ref: 费用收取
        heading: 费用收取
        says: 建收费台账；其后缺失。
        status: lost
{lost}        items: []
      - ref: 服务理念
        heading: 开篇
        says: 首问责任制。
        status: contradictory
{reading}        items: []
"""

ALL_ITEMS = "procedures/complaint, roles/cs-assistant, scripts/listen"


def handbook(tmp_path: Path, *, items: str = ALL_ITEMS, section: str = "投诉受理",
             origin: str = "", reviewed: str = "2026-11-24",
             lost: str = "        default: 由公司定的收费规则代替。\n",
             reading: str = "        reading: 本手册按首问责任制。\n", company: str | None = None) -> Path:
    root = tmp_path / "procedures"
    (root / "sources").mkdir(parents=True)
    (root / "complaint.yaml").write_text(PROCEDURE.format(reviewed=reviewed), encoding="utf-8")
    (root / "scripts.yaml").write_text(SCRIPT.format(origin=origin, section=section), encoding="utf-8")
    (root / "sources" / "001-estate-standards.yaml").write_text(
        MAP.format(items=items, lost=lost, reading=reading), encoding="utf-8")
    if company is not None:
        (tmp_path / "kefu.yaml").write_text(company, encoding="utf-8")
    return root


def found(root: Path, *rules: str, strict: bool = False, today: dt.date = TODAY):
    _, findings = lint(root, strict=strict, today=today)
    return [f for f in findings if f.rule in rules]


def test_a_consistent_source_map_gives_no_provenance_finding(tmp_path) -> None:
    root = handbook(tmp_path)
    assert found(root, "source-unknown", "source-unlisted", "map-item-unknown", "map-item-uncited",
                 "lost-no-default", "contradictory-no-reading", "written-no-note", "no-source",
                 "review-due", "review-missing") == []


def test_an_item_missing_from_the_map_is_an_error_at_its_source(tmp_path) -> None:
    root = handbook(tmp_path, items="procedures/complaint, roles/cs-assistant")
    hits = found(root, "source-unlisted")
    assert len(hits) == 1 and hits[0].severity == "error"
    assert hits[0].path.endswith("scripts.yaml")
    assert "scripts/listen" in hits[0].render() and "投诉受理" in hits[0].render()


def test_a_section_naming_an_item_that_does_not_exist(tmp_path) -> None:
    root = handbook(tmp_path, items=ALL_ITEMS + ", scripts/no-such-script")
    hits = found(root, "map-item-unknown")
    assert len(hits) == 1 and hits[0].path.endswith("001-estate-standards.yaml")
    assert "scripts/no-such-script" in hits[0].render() and hits[0].line == 7


def test_a_section_naming_an_item_that_cites_another_section(tmp_path) -> None:
    root = handbook(tmp_path, section="服务理念")
    uncited, unlisted = found(root, "map-item-uncited"), found(root, "source-unlisted")
    assert len(uncited) == 1 and "投诉受理" in uncited[0].render() and "scripts/listen" in uncited[0].render()
    assert len(unlisted) == 1 and "服务理念" in unlisted[0].render()


def test_a_source_naming_a_section_the_map_lacks_suggests_the_nearest(tmp_path) -> None:
    root = handbook(tmp_path, section="投诉处理")
    hits = found(root, "source-unknown")
    assert len(hits) == 1 and "投诉处理" in hits[0].render() and "（是不是 投诉受理？）" in hits[0].render()
    assert "did you mean 投诉受理?" in hits[0].render("en")


def test_a_source_may_name_the_section_by_its_heading(tmp_path) -> None:
    root = handbook(tmp_path, section="开篇", items="procedures/complaint, roles/cs-assistant")
    text = (root / "sources" / "001-estate-standards.yaml").read_text(encoding="utf-8")
    (root / "sources" / "001-estate-standards.yaml").write_text(
        text.replace("status: contradictory\n        reading: 本手册按首问责任制。\n        items: []",
                     "status: contradictory\n        reading: 本手册按首问责任制。\n        items: [scripts/listen]"),
        encoding="utf-8")
    assert found(root, "source-unknown", "source-unlisted", "map-item-uncited") == []


def test_a_lost_passage_without_a_default(tmp_path) -> None:
    root = handbook(tmp_path, lost="")
    hits = found(root, "lost-no-default")
    assert len(hits) == 1 and "费用收取" in hits[0].render() and hits[0].severity == "error"


def test_a_contradiction_without_a_reading(tmp_path) -> None:
    root = handbook(tmp_path, reading="")
    hits = found(root, "contradictory-no-reading")
    assert len(hits) == 1 and "服务理念" in hits[0].render()


def test_an_example_script_without_its_mark_is_listed_only_once_marked(tmp_path) -> None:
    unmarked = handbook(tmp_path / "a")
    assert found(unmarked, "written", strict=True) == []
    marked = handbook(tmp_path / "b", origin="    origin: written\n    origin_note: 文件只要求不打断；这句是示例。\n")
    listed = found(marked, "written", strict=True)
    assert len(listed) == 1 and "话术 “listen” 是手册自写的" in listed[0].render() and "示例" in listed[0].render()
    assert found(marked, "written") == []  # only --strict lists them


def test_a_written_item_needs_its_note(tmp_path) -> None:
    root = handbook(tmp_path, origin="    origin: written\n")
    hits = found(root, "written-no-note")
    assert len(hits) == 1 and "话术 “listen”" in hits[0].render() and "origin_note" in hits[0].render()


def test_only_a_written_item_may_cite_nothing(tmp_path) -> None:
    root = handbook(tmp_path, items="procedures/complaint, roles/cs-assistant")
    text = (root / "scripts.yaml").read_text(encoding="utf-8")
    (root / "scripts.yaml").write_text(text.replace('sources: [{seed: "001", section: "投诉受理"}]', "sources: []"),
                                       encoding="utf-8")
    assert [f.render() for f in found(root, "no-source")] == [
        "话术 “listen” 没有写出处：列出它来自的文件章节（sources），或标为 origin: written"]
    (root / "scripts.yaml").write_text(
        text.replace('    sources: [{seed: "001", section: "投诉受理"}]',
                     "    origin: written\n    origin_note: 示例。\n    sources: []"), encoding="utf-8")
    assert found(root, "no-source") == []


def test_a_procedure_past_its_review_is_due(tmp_path) -> None:
    root = handbook(tmp_path, reviewed="2025-11-30")
    hits = found(root, "review-due")
    assert len(hits) == 1 and hits[0].severity == "warning"
    assert "2025-11-30" in hits[0].render() and "2026-11-30" in hits[0].render()
    assert found(handbook(tmp_path / "fresh", reviewed="2025-12-02"), "review-due") == []


def test_the_company_sets_how_often_content_is_reviewed(tmp_path) -> None:
    company = "company:\n  name: 测试物业\n  review_every: {value: 6, unit: months}\n"
    root = handbook(tmp_path, reviewed="2026-05-31", company=company)
    hits = found(root, "review-due")
    assert len(hits) == 1 and "每 6 个月复核一次" in hits[0].render() and "2026-11-30" in hits[0].render()
    yearly = "company:\n  name: 测试物业\n  review_every: {value: 2, unit: years}\n"
    assert found(handbook(tmp_path / "two", reviewed="2025-06-01", company=yearly), "review-due") == []


def test_a_procedure_without_a_review_date_is_an_error(tmp_path) -> None:
    root = handbook(tmp_path)
    text = (root / "complaint.yaml").read_text(encoding="utf-8")
    (root / "complaint.yaml").write_text(text.replace('    reviewed: "2026-11-24"\n', ""), encoding="utf-8")
    hits = found(root, "review-missing")
    assert len(hits) == 1 and hits[0].severity == "error" and "complaint" in hits[0].render()


def test_a_bad_review_interval_is_a_schema_error(tmp_path) -> None:
    company = "company:\n  name: 测试物业\n  review_every: {value: 12, unit: weeks}\n"
    root = handbook(tmp_path, company=company)
    _, findings = lint(root, today=TODAY)
    assert any(f.rule == "schema" and f.path.endswith("kefu.yaml") and "weeks" in f.render("en") for f in findings)


def test_strict_lists_company_set_values_on_branches_and_inspections(tmp_path) -> None:
    root = handbook(tmp_path)
    text = (root / "complaint.yaml").read_text(encoding="utf-8")
    (root / "complaint.yaml").write_text(text.replace(
        "        say: [listen]\n",
        "        say: [listen]\n        branches:\n          - when: 业主有异议\n            then: 报上级复核。\n"
        "            company_set: true\n            company_set_reason: 文件没有写异议怎么处理。\n"), encoding="utf-8")
    listed = found(root, "company-set", strict=True)
    assert [f.render("en").split(" is a default")[0] for f in listed] == ["procedures 'complaint' step 1 branch 1"]


def test_the_shipped_source_map_covers_every_item_and_every_section(shipped) -> None:
    book, findings = shipped
    rules = {"source-unknown", "source-unlisted", "map-item-unknown", "map-item-uncited", "lost-no-default",
             "contradictory-no-reading", "written-no-note", "no-source", "review-missing", "map-status"}
    assert [f.text() for f in findings if f.rule in rules] == []
    assert sorted(d.seed for d in book.documents.values()) == ["000", "001", "002", "003", "004"]
    for d in book.documents.values():
        refs = [s.ref for s in d.sections]
        assert len(refs) == len(set(refs)), f"{d.id} repeats a section ref"


def test_strict_from_the_cli_lists_written_items_beside_company_set_values() -> None:
    r = run_kefu("lint", "--strict")
    assert r.returncode == 1
    assert " warning written: 话术 “callback-opening” 是手册自写的，不是取自原文：" in r.stdout
    assert " warning company-set: " in r.stdout and " error " not in r.stdout
