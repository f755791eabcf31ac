"""Personal data in free text (kefu.check.privacy): what is found, how it is masked, what is left alone."""

from __future__ import annotations

import pytest

from kefu.check.privacy import find, mask, valid_id

ID18 = "440306199001011236"  # valid check digit, born 1990-01-01
ID15 = "440306900101123"  # legacy form, born 1990-01-01


@pytest.mark.parametrize("text, masked", [
    (ID18, "4403**********1236"),
    ("440306 19900101 1236", "4403**********1236"),
    ("440306-19900101-1236", "4403**********1236"),
    ("4403 0619 9001 0112 36", "4403**********1236"),
    ("11010519491231002x", "1101**********002X"),
    (ID15, "4403*******1123"),
    ("440306 900101 123", "4403*******1123"),
])
def test_id_numbers_in_any_usual_layout_are_found_and_masked(text: str, masked: str) -> None:
    assert [(kind, m) for kind, m, _ in find(f"业主证件 {text} 已核对")] == [("id", masked)]
    out = mask(f"业主证件 {text} 已核对")
    assert out == f"业主证件 {masked} 已核对"


@pytest.mark.parametrize("text, masked", [
    ("粤B12345", "粤B***45"),
    ("粤b12345", "粤B***45"),
    ("粤b 123 45", "粤B***45"),
    ("粤 B·12345", "粤B***45"),
    ("粤bd12345", "粤B****45"),
    ("粤B 12345 D", "粤B****5D"),
])
def test_plates_in_lower_case_or_with_spaces_are_found_and_masked(text: str, masked: str) -> None:
    assert [(kind, m) for kind, m, _ in find(f"车牌 {text}，停 B2")] == [("plate", masked)]
    assert mask(f"车牌 {text}，停 B2") == f"车牌 {masked}，停 B2"


@pytest.mark.parametrize("text", [
    "13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000",
    "0755-26543210", "(0755) 2654 3210", "0755 2654 3210 转 8021",
    "202611200930001234",  # an 18-digit CRM ticket number: no real birth date
    "440306199001011235",  # an ID number's shape with a wrong check digit
    "440306901301123",  # 15 digits, month 13
    "352099001761481",  # a phone's IMEI: 15 digits, no birth date
    "13800138000 1234567",  # a phone number and another number side by side
    "6-2-1501", "4403**********1236", "粤B***45", "京A ABCDE",
])
def test_what_staff_legitimately_write_is_not_personal_data(text: str) -> None:
    assert list(find(f"记录：{text}。")) == []
    assert mask(f"记录：{text}。") == f"记录：{text}。"


def test_the_offset_points_at_the_number_so_the_finding_names_its_line() -> None:
    text = "第一行\n第二行 身份证 440306-19900101-1236\n"
    ((kind, _, offset),) = find(text)
    assert kind == "id" and text.count("\n", 0, offset) + 1 == 2


def test_valid_id_checks_birth_date_and_check_digit() -> None:
    assert valid_id(ID18) and valid_id(ID15) and valid_id("440306 19900101 1236")
    assert not valid_id("440306199002301236")  # 30 February
    assert not valid_id(ID18[:-1] + "5")
