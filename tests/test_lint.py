"""`kefu lint` as an editor uses it: one run, every problem, file and line."""

from __future__ import annotations

import json
import os

import pytest

from conftest import FIXTURES, REPO, run_kefu
from kefu.lint import lint

CONTENT = FIXTURES / "content"


def findings_of(case: str, strict: bool = False):
    _, findings = lint(CONTENT / case / "procedures", None, strict=strict)
    return findings


def only(findings, rule):
    return [f for f in findings if f.rule == rule]


@pytest.mark.parametrize(
    ("case", "rule", "file", "line", "words"),
    [
        ("typo-ref", "ref-unknown", "complaint.yaml", 12,
         ['step 2 names role "客服助埋", which does not exist', "did you mean 客服助理?"]),
        ("dup-id", "duplicate-id", "more.yaml", 2, ["ask-surname", "complaint.yaml:21"]),
        ("dup-key", "unreadable", "roles.yaml", 4, ["duplicate key 'name'", "first on line 3"]),
        ("tabs", "unreadable", "glossary.yaml", 3, ["tab"]),
        ("gbk", "unreadable", "glossary.yaml", 3, ["not UTF-8"]),
        ("empty", "unreadable", "glossary.yaml", None, ["empty"]),
        ("bad-sum", "evaluation-sum", "evaluations.yaml", 2, ["add up to 90, not 100"]),
    ],
)
def test_each_broken_fixture_gives_its_finding(case, rule, file, line, words) -> None:
    hits = [f for f in only(findings_of(case), rule) if f.path.endswith(file)]
    assert len(hits) == 1, [f.text() for f in findings_of(case)]
    assert hits[0].line == line and hits[0].severity == "error"
    for w in words:
        assert w in hits[0].render("en")


def test_the_good_fixture_has_no_finding_but_the_contract_rules_it_leaves_out() -> None:
    found = findings_of("good")
    assert {f.rule for f in found if f.severity == "error"} == {"contract-rule-missing", "contract-form-missing"}
    assert "complaint-crm-entry" not in " ".join(f.render("en") for f in found)


def test_unused_scripts_are_warnings() -> None:
    warns = only(findings_of("good"), "unused-script")
    assert [w.render("en") for w in warns] == ["script 'greeting' is not said in any procedure step"]
    assert warns[0].severity == "warning"


def test_strict_lists_what_the_company_must_decide() -> None:
    assert not only(findings_of("good"), "company-set")
    listed = only(findings_of("good", strict=True), "company-set")
    assert len(listed) == 1 and "suggestion-reply" in listed[0].render("en") and "原文缺数字" in listed[0].render("en")


def test_company_override_of_an_unknown_rule_names_the_nearest(tmp_path) -> None:
    book, findings = lint(CONTENT / "override" / "procedures")
    bad = only(findings, "company-rule")
    assert len(bad) == 1 and bad[0].path.endswith("kefu.yaml") and bad[0].line == 8
    assert "did you mean complaint-crm-entry?" in bad[0].render("en")
    assert "是不是 complaint-crm-entry？" in bad[0].render("zh")
    assert book.rules["complaint-crm-entry"].limit.zh() == "1 小时"
    assert book.company.estate == "翠湖花园"


def test_schema_problems_name_the_key_and_line(tmp_path) -> None:
    root = tmp_path / "procedures"
    root.mkdir()
    (root / "x.yaml").write_text(
        "rules:\n  - id: Bad_Id\n    sources: [{seed: \"001\", section: s}]\n"
        "  - id: ok-rule\n    limt: {value: 2, unit: hours}\n    sources: [{seed: \"001\", section: s}]\n"
        "  - id: unit-rule\n    limit: {value: 2, unit: weeks}\n", encoding="utf-8")
    found = [f for f in lint(root)[1] if f.rule in ("schema", "no-source")]
    text = "\n".join(f.text() for f in found)
    assert any(f.line == 2 and "Bad_Id" in f.render("en") for f in found), text
    assert any(f.line == 5 and "unknown key 'limt'" in f.render("en") and "did you mean limit?" in f.render("en")
               for f in found), text
    assert any(f.line == 8 and "weeks" in f.render("en") for f in found), text


def test_cli_text_output_and_exit_codes() -> None:
    r = run_kefu("lint", "--content", str(CONTENT / "typo-ref" / "procedures"))
    assert r.returncode == 1
    assert "complaint.yaml:12: error ref-unknown:" in r.stdout
    assert "Traceback" not in r.stderr
    r = run_kefu("lint", "--content", str(CONTENT / "gbk" / "procedures"))
    assert r.returncode == 2 and "glossary.yaml:3: error unreadable" in r.stdout
    r = run_kefu("lint", "--bogus")
    assert r.returncode == 2


def test_lint_speaks_chinese_by_default_and_english_with_lang_en() -> None:
    typo = str(CONTENT / "typo-ref" / "procedures")
    zh = run_kefu("lint", "--content", typo)
    line = next(x for x in zh.stdout.splitlines() if "complaint.yaml:12:" in x)
    assert line.endswith("error ref-unknown: 规程 “complaint” 第 2 步的执行岗位 “客服助埋” 不存在（是不是 客服助理？）")
    assert zh.stderr.strip().startswith("共 ") and "个错误" in zh.stderr
    en = run_kefu("lint", "--lang", "en", "--content", typo)
    assert 'procedure \'complaint\' step 2 names role "客服助埋", which does not exist' in en.stdout
    assert "error(s)" in en.stderr
    js = json.loads(run_kefu("lint", "--format", "json", "--content", typo).stdout)
    assert any("不存在" in f["message"] for f in js)


def test_every_lint_finding_is_a_catalogue_code_with_both_languages() -> None:
    from kefu import codes

    for case in ("typo-ref", "dup-id", "dup-key", "tabs", "gbk", "empty", "bad-sum", "good", "override"):
        for f in findings_of(case, strict=True):
            code = codes.get(f.rule)
            assert code.group in ("lint", "load") and f.severity == code.severity, f.rule
            zh, en = f.render("zh"), f.render("en")
            assert zh and en and zh != en, (f.rule, zh)


def test_cli_json_output_is_a_list_of_findings() -> None:
    r = run_kefu("lint", "--format", "json", "--content", str(CONTENT / "bad-sum" / "procedures"))
    data = json.loads(r.stdout)
    sums = [f for f in data if f["rule"] == "evaluation-sum"]
    assert sums and sums[0]["line"] == 2 and sums[0]["path"].endswith("evaluations.yaml")


def test_shipped_handbook_lints_clean(shipped) -> None:
    _, findings = shipped
    errors = [f.text() for f in findings if f.severity == "error"]
    assert errors == []


def test_shipped_handbook_lints_clean_from_the_cli() -> None:
    r = run_kefu("lint")
    assert r.returncode == 0, r.stdout[-3000:]
    r = run_kefu("lint", "--strict")
    assert r.returncode == 1 and "company-set" in r.stdout


def test_missing_content_folder_is_one_line_and_exit_2(tmp_path) -> None:
    r = run_kefu("lint", "--content", str(tmp_path / "nope"))
    assert r.returncode == 2
    assert r.stdout.strip().splitlines() == [f"{tmp_path / 'nope'}: error unreadable: 内容文件夹不存在"]
    r = run_kefu("lint", "--lang", "en", "--content", str(tmp_path / "nope"))
    assert r.stdout.strip().splitlines() == [f"{tmp_path / 'nope'}: error unreadable: content folder not found"]


def test_company_settings_that_would_shift_deadlines_are_errors(tmp_path) -> None:
    cfg = tmp_path / "kefu.yaml"
    cfg.write_text("company:\n  name: 测试物业\n  timezone: Asia/Shanghia\n  holidays: ['2026-02-30']\n"
                   "  site_url: http://kefu.intranet\n", encoding="utf-8")
    _, findings = lint(REPO / "procedures", cfg)
    messages = [f.render("en") for f in findings if f.path.endswith("kefu.yaml")]
    assert any("Asia/Shanghia" in m for m in messages)
    assert any("2026-02-30" in m for m in messages)
    assert any("must end with '/'" in m for m in messages)


def test_a_company_folder_is_layered_over_the_shipped_handbook(tmp_path) -> None:
    """base: shipped reads the shipped handbook first; a shipped id is replaced (a warning), a new one added."""
    (tmp_path / "kefu.yaml").write_text("base: shipped\ncompany:\n  name: 翠湖物业\n", encoding="utf-8")
    own = tmp_path / "procedures"
    own.mkdir()
    (own / "terms.yaml").write_text(
        "glossary:\n  - id: crm\n    term: CRM\n    definition: 本公司的客户关系系统（翠湖版）\n"
        "  - id: shuttle\n    term: 班车\n    definition: 小区到地铁站的免费班车\n", encoding="utf-8")
    book, findings = lint(own, tmp_path / "kefu.yaml")
    assert [f for f in findings if f.severity == "error"] == []
    replaced = only(findings, "replaces-shipped")
    assert [(f.path, f.line) for f in replaced] == [(os.path.relpath(own / "terms.yaml"), 2)]
    assert "kefu:" in replaced[0].render("zh") and "crm" in replaced[0].render("en")
    assert book.glossary["crm"].definition.endswith("（翠湖版）") and "shuttle" in book.glossary
    assert len(book.procedures) > 50  # the whole shipped handbook is underneath
    (own / "again.yaml").write_text("glossary:\n  - id: shuttle\n    term: 班车\n    definition: 重复\n",
                                    encoding="utf-8")
    _, findings = lint(own, tmp_path / "kefu.yaml")
    assert [f.rule for f in findings if f.severity == "error"] == ["duplicate-id"]


def test_without_base_shipped_a_content_folder_stands_alone(tmp_path) -> None:
    (tmp_path / "kefu.yaml").write_text("company:\n  name: 翠湖物业\n", encoding="utf-8")
    own = tmp_path / "procedures"
    own.mkdir()
    (own / "terms.yaml").write_text("glossary:\n  - id: crm\n    term: CRM\n    definition: 客户关系系统\n",
                                    encoding="utf-8")
    book, _ = lint(own, tmp_path / "kefu.yaml")
    assert list(book.glossary) == ["crm"] and not book.procedures
