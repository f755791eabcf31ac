"""The typed model: conversion from YAML, limits, and the helpers views rely on."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu.load import parse_text
from kefu.model import Company, Estate, Limit, Procedure, Rule, ShapeError, fill, from_data


def test_from_data_builds_nested_items_with_lines() -> None:
    data = parse_text(
        "id: complaint\ntitle: 投诉\nsteps:\n  - actor: cs-assistant\n    action: 记录\n"
        "    branches:\n      - when: 不满意\n        then: 重新处理\n", "p.yaml")
    proc = from_data(Procedure, data, data.line, "p.yaml")
    assert proc.path == "p.yaml" and proc.line == 1
    assert proc.steps[0].line == 4 and proc.steps[0].branches[0].line == 7


@pytest.mark.parametrize(("text", "line", "words"), [
    ("id: r\nlimit: {value: two, unit: hours}\n", 2, "数字"),
    ("id: r\nlimit: {value: 2, unit: weeks}\n", 2, "weeks"),
    ("id: r\nenabled: yes\n", 2, "true 或 false"),
    ("id: r\ntitel: x\n", 2, "titel"),
])
def test_from_data_rejects_wrong_shapes_with_the_line(text: str, line: int, words: str) -> None:
    data = parse_text(text, "r.yaml")
    with pytest.raises(ShapeError) as err:
        from_data(Rule, data, 1, "r.yaml")
    assert err.value.line == line and words in err.value.message


def test_limits_read_in_chinese_and_english() -> None:
    assert Limit(2, "hours").zh() == "2 小时"
    assert Limit(3, "working_days").zh() == "3 个工作日"
    assert Limit(1.5, "hours").en() == "1.5 h"
    assert Limit(90, "minutes").delta() == dt.timedelta(minutes=90)
    with pytest.raises(ValueError):
        Limit(3, "working_days").delta()


def test_fill_puts_the_estate_in_and_leaves_other_braces() -> None:
    company = Company(name="测试物业", estates=[Estate(name="翠湖花园", en="Cuihu Garden")])
    assert fill("您好！{estate}客服中心！{{x}}", company) == "您好！翠湖花园客服中心！{{x}}"
    assert fill("Hello, {estate_en}", company) == "Hello, Cuihu Garden"


def test_shipped_model_helpers(shipped) -> None:
    book, _ = shipped
    assistant = book.role_named("客服专员")
    assert assistant is not None and assistant.id == "cs-assistant"
    assert book.procedures_of("cs-assistant")
    assert book.scripts_of("cs-assistant")
    assert book.steps_using("rules", "complaint-crm-entry")
