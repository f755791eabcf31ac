"""The hardened YAML loader: what people type must mean what they meant."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.load import LineList, LineMap, LoadError, parse_text, read_yaml


def test_times_booleans_dates_and_octals_stay_strings() -> None:
    data = parse_text("at: 22:15\nno: 3\nsigned: no\non: yes\ndate: 2026-11-21\nroom: 0755\n", "t.yaml")
    assert data == {"at": "22:15", "no": 3, "signed": "no", "on": "yes", "date": "2026-11-21", "room": "0755"}


def test_plain_numbers_booleans_and_null_keep_their_types() -> None:
    data = parse_text("a: 12\nb: -1.5\nc: true\nd: False\ne: ~\nf:\n", "t.yaml")
    assert data == {"a": 12, "b": -1.5, "c": True, "d": False, "e": None, "f": None}


def test_every_value_keeps_its_line() -> None:
    data = parse_text("form: shift-log\nentries:\n  - no: 1\n    at: 08:30\n  - no: 2\n    at: 09:40\n", "t")
    assert isinstance(data, LineMap) and isinstance(data["entries"], LineList)
    assert data.line_of("entries") == 3
    second = data["entries"][1]
    assert data["entries"].line_of(1) == 5
    assert second.line_of("at") == 6
    assert second.line_of("missing") == 5  # a missing key points at its entry


@pytest.mark.parametrize(
    ("text", "kind", "line"),
    [
        ("a: 1\nb: 2\na: 3\n", "duplicate-key", 3),
        ("a: &x [1]\nb: *x\n", "alias", 2),
        ("a:\n  <<: {b: 1}\n", "alias", 2),
        ("a: 1\n\tb: 2\n", "syntax", 2),
        ("a: !!python/object:os.system 1\n", "tag", 1),
        ("a: [1, 2\n", "syntax", 1),  # the line of the bracket that is not closed
        ("---\na: 1\n---\nb: 2\n", "syntax", 3),
    ],
)
def test_broken_yaml_is_reported_with_its_line(text: str, kind: str, line: int) -> None:
    with pytest.raises(LoadError) as err:
        parse_text(text, "t.yaml")
    assert err.value.kind == kind
    assert err.value.line == line
    assert err.value.path == "t.yaml"


@pytest.mark.parametrize(("text", "line", "words"), [
    # the usual one: an unquoted ": " inside a value
    ("form: shift-log\nentries:\n  - no: 1\n    content: 原因: 水管漏水\n", 4, "给整个值加上引号"),
    ("staff: [王芳, 张敏\nshift: 白班\n", 1, "第 1 行开始的 [ ] 或 { } 没有正确结束"),
    ("form: shift-log\n这一行没有冒号\nshift: 白班\n", 2, "缺少“键: 值”的冒号"),
    ("a:\n  b: 1\n c: 2\n", 3, "缩进不对齐"),
    ("content: \"没有结尾的引号\nshift: 白班\n", 1, "第 1 行开始的引号没有配对"),
    ("content: @张敏\n", 1, "值不能以 @ 开头"),
    ("a:\n\t- 1\n", 2, "Tab"),
])
def test_yaml_errors_say_the_likely_cause_in_chinese_on_the_line_to_fix(text: str, line: int, words: str) -> None:
    with pytest.raises(LoadError) as err:
        parse_text(text, "t.yaml")
    assert err.value.line == line
    assert words in err.value.zh, err.value.zh
    assert not any(english in err.value.zh for english in ("mapping values", "did not find", "could not find"))
    assert str(err.value).startswith(f"t.yaml:{line}: ")


def test_duplicate_key_message_names_both_lines() -> None:
    with pytest.raises(LoadError) as err:
        parse_text("x: 1\nentries: []\nx: 2\n", "log.yaml")
    assert "x" in err.value.zh and "第 1 行" in err.value.zh
    assert str(err.value).startswith("log.yaml:3:")


def test_tab_indentation_says_so_in_chinese() -> None:
    with pytest.raises(LoadError) as err:
        parse_text("a:\n\tb: 1\n", "t.yaml")
    assert "Tab" in err.value.zh


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i-1}"] * 9) + "]")
    with pytest.raises(LoadError) as err:
        parse_text("\n".join(lines) + "\n", "bomb.yaml")
    assert err.value.kind == "alias"


@pytest.mark.parametrize("text", ["a: " + "[" * 10000 + "]" * 10000, "a: " + "{b: " * 10000 + "1" + "}" * 10000])
def test_ten_thousand_deep_nesting_is_refused(text: str) -> None:
    with pytest.raises(LoadError) as err:
        parse_text(text, "deep.yaml")
    assert err.value.kind == "too-deep"


def test_bom_and_crlf_are_read(tmp_path: Path) -> None:
    f = tmp_path / "log.yaml"
    f.write_bytes(b"\xef\xbb\xbfform: shift-log\r\nstart: 20:00\r\n")
    assert read_yaml(f) == {"form": "shift-log", "start": "20:00"}
    assert read_yaml(f).line_of("start") == 2


def test_gbk_bytes_name_the_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "log.yaml"
    f.write_bytes("form: shift-log\ncontent: 电梯故障\n".encode("gbk"))
    with pytest.raises(LoadError) as err:
        read_yaml(f, "logs/log.yaml")
    assert err.value.kind == "encoding" and err.value.line == 2 and err.value.path == "logs/log.yaml"
    assert "UTF-8" in err.value.zh


def test_empty_and_whitespace_files_are_empty(tmp_path: Path) -> None:
    for name, body in (("a.yaml", b""), ("b.yaml", b"\n  \n")):
        (tmp_path / name).write_bytes(body)
        with pytest.raises(LoadError) as err:
            read_yaml(tmp_path / name)
        assert err.value.kind == "empty"


def test_too_large_file_is_refused_before_reading(tmp_path: Path) -> None:
    f = tmp_path / "big.yaml"
    f.write_bytes(b"a: 1\n" * 1000)
    with pytest.raises(LoadError) as err:
        read_yaml(f, max_bytes=1000)
    assert err.value.kind == "too-large"


def test_json_is_read_with_lines_and_json_with_tabs_falls_back(tmp_path: Path) -> None:
    f = tmp_path / "r.json"
    f.write_text('{\n  "form": "inspection",\n  "total": 95\n}\n', encoding="utf-8")
    data = read_yaml(f)
    assert data == {"form": "inspection", "total": 95} and data.line_of("total") == 3
    f.write_text('{\n\t"form": "inspection",\n\t"total": 95\n}\n', encoding="utf-8")
    assert read_yaml(f) == {"form": "inspection", "total": 95}
    f.write_text('{"a": 1, "a": 2}', encoding="utf-8")
    with pytest.raises(LoadError) as err:
        read_yaml(f)
    assert err.value.kind == "duplicate-key"


def test_missing_file_and_directory_are_load_errors(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as err:
        read_yaml(tmp_path / "nope.yaml")
    assert err.value.kind == "io"
    with pytest.raises(LoadError):
        read_yaml(tmp_path)


def test_reading_never_changes_the_file(tmp_path: Path) -> None:
    f = tmp_path / "log.yaml"
    body = b"\xef\xbb\xbfa: 1\r\na: 2\r\n"
    f.write_bytes(body)
    with pytest.raises(LoadError):
        read_yaml(f)
    assert f.read_bytes() == body


def test_folded_chinese_text_has_no_space_where_the_line_broke() -> None:
    """An editor wraps long Chinese lines; the reader must not see "比例。 还在" on the page or paper."""
    data = parse_text("explain: >-\n  处理完毕的报修中，已经回访的比例。\n  还在时限内的不计入 CRM\n  系统。\n"
                      "plain: 第一行\n  第二行\n"
                      "kept: |\n  第一行\n  第二行\n"
                      "english: >-\n  Call the owner\n  back.\n", "x.yaml")
    assert data["explain"] == "处理完毕的报修中，已经回访的比例。还在时限内的不计入 CRM 系统。"
    assert data["plain"] == "第一行第二行"
    assert data["kept"] == "第一行\n第二行\n"  # a literal block keeps its lines
    assert data["english"] == "Call the owner back."
