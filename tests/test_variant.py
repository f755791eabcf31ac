"""The traditional edition's conversion (kefu.variant), on words the handbook uses."""

from __future__ import annotations

from types import SimpleNamespace

from kefu.variant import converter, to_simplified


def test_a_simplified_company_keeps_its_text() -> None:
    same = converter(SimpleNamespace(name="示例", variant=None))
    assert same("投诉受理与处理") == "投诉受理与处理"


def test_traditional_company_gets_opencc_conversion_with_its_usage() -> None:
    hk = converter(SimpleNamespace(variant="zh-Hant", opencc="s2hk"))
    assert hk("投诉受理与处理，回访业主") == "投訴受理與處理，回訪業主"
    tw = converter(SimpleNamespace(variant="zh-Hant", opencc="s2twp"))
    assert tw("软件") == "軟體"  # Taiwan phrases, not only characters
    assert converter(SimpleNamespace(variant="zh-Hant", opencc=None))("报修") == "報修"


def test_traditional_labels_read_back_as_simplified() -> None:
    assert to_simplified("投訴") == "投诉"
    assert to_simplified("報修已完成") == "报修已完成"
    assert to_simplified("") == ""
