"""The committed JSON Schemas are generated from the model and must be fresh."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from conftest import CONTRACTS, REPO, run_kefu
from kefu.load import plain, read_yaml
from kefu.schema import all_schemas, stale


def test_committed_schemas_are_fresh(shipped) -> None:
    book, _ = shipped
    assert stale(book, REPO / "schemas") == [], "run `kefu schema` and commit schemas/"


def test_kefu_schema_check_reports_a_stale_file(tmp_path) -> None:
    r = run_kefu("schema", "--out", str(tmp_path))
    assert r.returncode == 0
    assert run_kefu("schema", "--check", "--out", str(tmp_path)).returncode == 0
    target = tmp_path / "content" / "rules.schema.json"
    target.write_text("{}", encoding="utf-8")
    r = run_kefu("schema", "--check", "--out", str(tmp_path))
    assert r.returncode == 1 and "rules.schema.json: stale" in r.stdout


def test_every_schema_is_a_valid_json_schema(shipped) -> None:
    book, _ = shipped
    schemas = all_schemas(book)
    assert {"content/procedures.schema.json", "records/shift-log.schema.json",
            "records/incident-report.schema.json", "records/inspection.schema.json"} <= set(schemas)
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)


def test_content_schema_accepts_every_shipped_file_and_rejects_a_typo(shipped) -> None:
    validator = Draft202012Validator(all_schemas(None)["content-file.schema.json"])
    for f in sorted((REPO / "procedures").rglob("*.yaml")):
        errors = list(validator.iter_errors(plain(read_yaml(f))))
        assert errors == [], f"{f}: {errors[0].message}"
    bad = {"rules": [{"id": "x", "limit": {"value": 2, "unit": "hours"}, "severty": "error"}]}
    assert list(validator.iter_errors(bad))


def test_record_schemas_accept_the_contract_examples(shipped) -> None:
    book, _ = shipped
    schemas = all_schemas(book)
    for example in sorted((CONTRACTS / "examples").glob("*.yaml")):
        record = plain(read_yaml(example))
        schema = schemas[f"records/{record['form']}.schema.json"]
        errors = list(Draft202012Validator(schema).iter_errors(record))
        assert errors == [], f"{example.name}: {errors[0].message}"
    shift_log = Draft202012Validator(schemas["records/shift-log.schema.json"])
    typo = plain(read_yaml(CONTRACTS / "examples" / "day-shift.ok.yaml"))
    typo["entries"][0]["crm_ta"] = typo["entries"][0].pop("crm_at")
    assert any("crm_ta" in e.message for e in shift_log.iter_errors(typo))


def test_schemas_are_utf8_json_with_chinese_unescaped() -> None:
    text = (REPO / "schemas" / "records" / "shift-log.schema.json").read_text(encoding="utf-8")
    assert "值班" in text or "投诉" in text
    json.loads(text)
