"""`kefu export`: the resolved model as JSON for other tools."""

from __future__ import annotations

import json

from conftest import FIXTURES, run_kefu

KEYS = ["company", "roles", "procedures", "scripts", "rules", "forms", "evaluations", "categories",
        "incident_classes", "glossary", "documents", "kpis"]


def test_export_has_every_kind_with_unique_ids_in_stable_order() -> None:
    first = run_kefu("export", "--format", "json")
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert list(data) == KEYS
    for kind in KEYS[1:]:
        ids = [item["id"] for item in data[kind]]
        assert ids and len(ids) == len(set(ids)), kind
    assert "\\u" not in first.stdout and "客服" in first.stdout  # UTF-8, unescaped
    assert run_kefu("export").stdout == first.stdout


def test_export_applies_the_company_file(tmp_path) -> None:
    case = FIXTURES / "content" / "override"
    cfg = tmp_path / "kefu.yaml"
    cfg.write_text("company:\n  name: 测试物业\n  estates: [{name: 翠湖花园}]\n"
                   "rules:\n  complaint-crm-entry:\n    limit: {value: 90, unit: minutes}\n", encoding="utf-8")
    r = run_kefu("export", "--content", str(case / "procedures"), "--config", str(cfg))
    assert r.returncode == 2  # the fixture lacks the contract rules: export refuses broken content
    r = run_kefu("export", "--config", str(cfg))
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["company"]["name"] == "测试物业"
    rule = next(x for x in data["rules"] if x["id"] == "complaint-crm-entry")
    assert rule["limit"] == {"value": 90, "unit": "minutes"}
    greetings = [s for s in data["scripts"] if "{estate}" in s["template"]]
    assert greetings and all("翠湖花园" in s["text"] for s in greetings)


def test_missing_company_file_is_exit_2_with_one_line() -> None:
    r = run_kefu("export", "--config", "/nonexistent/kefu.yaml")
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "公司文件不存在" in r.stderr
