"""Reading YAML (and JSON) safely, keeping the line of every value.

Everything kefu reads -- the handbook content in ``procedures/``, the company
file and the records supervisors check -- goes through :func:`read_yaml`.
PyYAML's C loader is fast but speaks YAML 1.1, which turns ``22:15`` into
1335, ``no`` into False and ``2026-11-21`` into a date, and lets a duplicate
key win silently.  :class:`StrictLoader` keeps only the implicit types people
mean (null, true/false, decimal numbers); everything else stays a string.
Duplicate keys, aliases, unknown tags and absurd nesting are errors with a
line number, so a typo can never silently switch a rule off.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # the C loader is a hard requirement in practice; fall back only so errors stay readable
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

#: Files above this size are refused before parsing: a shift log is a few KB,
#: and refusing early keeps memory bounded whatever lands in a folder.
MAX_BYTES = 10 * 1024 * 1024
#: Deeper nesting than this is not a record or a handbook page but an attack.
MAX_DEPTH = 64


class LineMap(dict):  # type: ignore[type-arg]
    """A mapping that remembers where it and each of its keys and values start."""

    __slots__ = ("key_lines", "line", "value_lines")

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}
        self.value_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        """Line of the value of ``key``, or of the mapping when the key is missing."""
        return self.value_lines.get(key, self.line)


class LineList(list):  # type: ignore[type-arg]
    """A sequence that remembers its line and the line of each item."""

    __slots__ = ("item_lines", "line")

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


@dataclass
class LoadError(Exception):
    """A file that cannot be read: the checker reports it with exit code 2."""

    path: str
    line: int | None
    kind: str
    zh: str
    en: str

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.zh}"


_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    _STR,
}


class StrictLoader(_BaseLoader):
    """The C loader with YAML 1.2-like implicit typing.

    Times (``22:15``), dates, ``yes/no/on/off`` and octal-looking numbers
    (``0755``) stay strings; the model and the checker parse them with
    knowledge of what the field means.
    """

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}


for _tag, _regex, _first in (
    ("tag:yaml.org,2002:null", _NULL, [*list("~nN"), ""]),
    ("tag:yaml.org,2002:bool", _BOOL, list("tTfF")),
    ("tag:yaml.org,2002:int", _INT, list("-+0123456789")),
    ("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789.")),
):
    StrictLoader.add_implicit_resolver(_tag, _regex, _first)

_RESOLVERS = StrictLoader.yaml_implicit_resolvers


def _fast_resolve(self: Any, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
    """BaseResolver.resolve without the path-resolver machinery StrictLoader never uses.

    Same tags for the same input (first-character lookup, first regex that
    matches, else str/seq/map); it is called for every scalar, and the generic
    version was a third of ``kefu check``'s time on a folder of logs.
    """
    if kind is yaml.ScalarNode:
        if implicit[0]:
            for tag, regexp in _RESOLVERS.get(value[:1], ()):
                if regexp.match(value):
                    return tag
        return _STR
    if kind is yaml.SequenceNode:
        return "tag:yaml.org,2002:seq"
    return "tag:yaml.org,2002:map"


StrictLoader.resolve = _fast_resolve  # type: ignore[method-assign]


def _err(path: str, line: int | None, kind: str, zh: str, en: str) -> LoadError:
    return LoadError(path, line, kind, zh, en)


def _scalar(node: yaml.ScalarNode, path: str) -> Any:
    tag, value = node.tag, node.value
    if tag == _STR:
        return value
    if tag == "tag:yaml.org,2002:int":
        return int(value)
    if tag == "tag:yaml.org,2002:float":
        return float(value)
    if tag == "tag:yaml.org,2002:bool":
        return value.lower() == "true"
    if tag == "tag:yaml.org,2002:null":
        return None
    line = node.start_mark.line + 1
    raise _err(path, line, "tag", f"不支持的 YAML 标签 {tag}", f"unsupported YAML tag {tag}")


def _build(root: yaml.Node, path: str) -> Any:
    """Turn composed nodes into LineMap/LineList/scalars without recursion.

    Each node may be visited once: a second visit means an alias, which kefu
    refuses (it hides content and is the vehicle of the "billion laughs").
    """
    seen: set[int] = set()

    def make(node: yaml.Node, depth: int, line: int = 0) -> Any:
        if id(node) in seen:
            raise _err(path, line or node.start_mark.line + 1, "alias",
                       "不允许使用 YAML 锚点引用（&/*），请直接写出内容",
                       "YAML aliases (&/*) are not allowed; write the content out")
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise _err(path, node.start_mark.line + 1, "too-deep",
                       f"嵌套超过 {MAX_DEPTH} 层", f"nesting deeper than {MAX_DEPTH} levels")
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise _err(path, node.start_mark.line + 1, "tag",
                           f"不支持的 YAML 标签 {node.tag}", f"unsupported YAML tag {node.tag}")
            return LineList(node.start_mark.line + 1)
        if node.tag != "tag:yaml.org,2002:map":
            raise _err(path, node.start_mark.line + 1, "tag",
                       f"不支持的 YAML 标签 {node.tag}", f"unsupported YAML tag {node.tag}")
        return LineMap(node.start_mark.line + 1)

    top = make(root, 0)
    stack: list[tuple[yaml.Node, Any, int]] = [(root, top, 0)]
    while stack:
        node, target, depth = stack.pop()
        if isinstance(target, LineList):
            for child in node.value:
                value = make(child, depth + 1)
                target.append(value)
                target.item_lines.append(child.start_mark.line + 1)
                if isinstance(value, (LineMap, LineList)):
                    stack.append((child, value, depth + 1))
        elif isinstance(target, LineMap):
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _err(path, key_node.start_mark.line + 1, "syntax",
                               "键必须是简单的文字", "keys must be plain scalars")
                if key_node.tag == "tag:yaml.org,2002:merge" or key_node.value == "<<":
                    raise _err(path, key_node.start_mark.line + 1, "alias",
                               "不允许使用 YAML 合并键（<<）", "YAML merge keys (<<) are not allowed")
                key = key_node.value  # keys stay exactly as written: `no` is "no"
                line = key_node.start_mark.line + 1
                if key in target:
                    first = target.key_lines[key]
                    raise _err(path, line, "duplicate-key",
                               f"键 “{key}” 重复（第一次出现在第 {first} 行）",
                               f"duplicate key '{key}' (first on line {first})")
                value = make(value_node, depth + 1, line)
                target[key] = value
                target.key_lines[key] = line
                target.value_lines[key] = value_node.start_mark.line + 1
                if isinstance(value, (LineMap, LineList)):
                    stack.append((value_node, value, depth + 1))
    return top


def _decode(data: bytes, path: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _err(path, line, "encoding",
                   "文件不是 UTF-8 编码（可能是 GBK）；请另存为 UTF-8",
                   "file is not UTF-8 (GBK?); save it as UTF-8") from None


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    return lines[line][column:column + 1] if line < len(lines) else ""


def parse_text(text: str, path: str) -> Any:
    """Parse one YAML document from text; raise :class:`LoadError` on any problem."""
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        if "nesting depth" in problem:  # libyaml >= 0.2.6 (PyYAML 6.0.4) refuses deep nesting itself
            raise _err(path, line, "too-deep", f"嵌套超过 {MAX_DEPTH} 层",
                       f"nesting deeper than {MAX_DEPTH} levels") from None
        if (mark is not None and _char_at(text, mark.line, mark.column) == "\t") or "tab" in problem.lower():
            zh = "YAML 缩进不能使用 Tab 键，请改用空格"
        else:
            zh = f"YAML 格式错误：{problem}"
        raise _err(path, line, "syntax", zh, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise _err(path, None, "syntax", f"YAML 格式错误：{exc}", f"YAML error: {exc}") from None
    except RecursionError:
        raise _err(path, None, "too-deep", f"嵌套超过 {MAX_DEPTH} 层",
                   f"nesting deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
    if node is None:
        return None
    return _build(node, path)


def _parse_json(text: str, path: str) -> Any:
    """JSON that libyaml cannot read (tabs, say): fall back to the json module."""

    def pairs(items: list[tuple[str, Any]]) -> LineMap:
        out = LineMap(1)
        for key, value in items:
            if key in out:
                raise _err(path, None, "duplicate-key", f"键 “{key}” 重复", f"duplicate key '{key}'")
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise _err(path, exc.lineno, "syntax", f"JSON 格式错误：{exc.msg}",
                   f"JSON syntax error: {exc.msg}") from None
    except RecursionError:
        raise _err(path, None, "too-deep", f"嵌套超过 {MAX_DEPTH} 层",
                   f"nesting deeper than {MAX_DEPTH} levels") from None


def read_yaml(path: str | Path, display: str | None = None, max_bytes: int = MAX_BYTES) -> Any:
    """Read a YAML or JSON file into LineMap/LineList/scalars.

    ``display`` is the name used in messages (the path as the user typed it).
    Raises :class:`LoadError`; never changes the file.
    """
    shown = display or str(path)
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise _err(shown, None, "too-large",
                       f"文件过大（{size // 1024 // 1024} MB，上限 {max_bytes // 1024 // 1024} MB）",
                       f"file too large ({size // 1024 // 1024} MB, limit {max_bytes // 1024 // 1024} MB)")
        data = p.read_bytes()
    except LoadError:
        raise
    except IsADirectoryError:
        raise _err(shown, None, "io", "这是一个目录，不是文件", "is a directory, not a file") from None
    except FileNotFoundError:
        raise _err(shown, None, "io", "文件不存在", "no such file") from None
    except OSError as exc:
        raise _err(shown, None, "io", f"无法读取文件：{exc.strerror}",
                   f"cannot read file: {exc.strerror}") from None
    text = _decode(data, shown)
    if not text.strip():
        raise _err(shown, None, "empty", "文件是空的", "file is empty")
    try:
        return parse_text(text, shown)
    except LoadError:
        if p.suffix.lower() == ".json":
            return _parse_json(text, shown)
        raise


def plain(value: Any) -> Any:
    """LineMap/LineList to plain dict/list (for JSON output and jsonschema)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
