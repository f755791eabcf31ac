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

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kefu import codes

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
    variant: str = ""  #: the ``unreadable`` template (kefu.codes) the messages come from
    params: dict[str, Any] = field(default_factory=dict)

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

    # a fresh table, not the base loader's (PyYAML declares it per instance, it is per class)
    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012


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


# the kinds of ``unreadable`` the loader reports, as variants of the one code (kefu.codes declares it)
UNREADABLE = codes.extend(
    "unreadable",
    example={"size": 12, "limit": 10, "tag": "!!python/object", "key": "at", "first": 12, "depth": MAX_DEPTH,
             "reason": "Permission denied", "problem": "found unexpected ':'", "start": 12, "chars": "：",
             "char": "@"},
    syntax=("YAML 格式错误：{problem}（检查这一行和上一行的缩进与引号）", "YAML syntax error: {problem}"),
    encoding=("文件不是 UTF-8 编码（可能是 GBK）；请另存为 UTF-8", "file is not UTF-8 (GBK?); save it as UTF-8"),
    syntax_colon=("这一行的值里有“冒号加空格”，YAML 把它当成了新的键：给整个值加上引号"
                  "（例如 content: \"原因: 水管漏水\"）",
                  "mapping values are not allowed here: a value containing ': ' must be quoted"),
    syntax_flow=("第 {start} 行开始的 [ ] 或 {{ }} 没有正确结束：检查是否漏了逗号或右括号；"
                 "值里有逗号、冒号时请加引号",
                 "the [ ] or {{ }} opened on line {start} is not closed: a missing ',' or bracket"),
    syntax_key=("这一行缺少“键: 值”的冒号：可能是上一行的文字换行后缩进不对，或冒号写成了中文的“：”",
                "could not find expected ':' (a wrapped line, or a full-width colon)"),
    syntax_indent=("缩进不对齐：这一行的缩进和同级的其他键或列表项不一致（每级用两个空格）",
                   "indentation does not line up with the keys or items of the same level"),
    syntax_quote=("第 {start} 行开始的引号没有配对：补上结尾的引号", "the quote opened on line {start} is not closed"),
    syntax_escape=("双引号里的反斜杠 \\ 不是合法的转义：改用单引号，或写成 \\\\",
                   "invalid escape in a double-quoted string: use single quotes"),
    syntax_start=("值不能以 {char} 开头：给整个值加上引号", "a plain value cannot start with {char}: quote it"),
    syntax_tab=("YAML 缩进不能使用 Tab 键，请改用空格", "tabs cannot be used for indentation; use spaces"),
    syntax_json=("JSON 格式错误：{problem}", "JSON syntax error: {problem}"),
    syntax_keys=("键必须是简单的文字", "keys must be plain scalars"),
    too_deep=("嵌套超过 {depth} 层", "nesting deeper than {depth} levels"),
    duplicate_key=("键 “{key}” 重复（第一次出现在第 {first} 行）", "duplicate key '{key}' (first on line {first})"),
    duplicate_key_json=("键 “{key}” 重复", "duplicate key '{key}'"),
    alias=("不允许使用 YAML 锚点引用（&/*），请直接写出内容",
           "YAML aliases (&/*) are not allowed; write the content out"),
    alias_merge=("不允许使用 YAML 合并键（<<）", "YAML merge keys (<<) are not allowed"),
    tag=("不支持的 YAML 标签 {tag}", "unsupported YAML tag {tag}"),
    too_large=("文件过大（{size} MB，上限 {limit} MB）", "file too large ({size} MB, limit {limit} MB)"),
    io=("无法读取文件：{reason}", "cannot read file: {reason}"),
    io_dir=("这是一个目录，不是文件", "is a directory, not a file"),
    io_missing=("文件不存在", "no such file"),
    io_folder=("内容文件夹不存在", "content folder not found"),
    empty=("文件是空的", "file is empty"),
)


#: the kinds of ``unreadable`` a LoadError reports (its ``kind``); each template variant starts with one
KINDS = ("encoding", "syntax", "too-deep", "duplicate-key", "alias", "tag", "io", "empty", "too-large")


def _err(path: str, line: int | None, variant: str, **params: Any) -> LoadError:
    """A LoadError whose messages come from the catalogue; its ``kind`` is the variant's first word
    (``syntax``, ``io`` ...), which is what the checker and lint report."""
    template = UNREADABLE.template(variant)
    kind = next((k for k in KINDS if variant.startswith(k)), "syntax")
    err = LoadError(path, line, kind, template.render("zh", params), template.render("en", params))
    err.variant, err.params = variant, params
    return err


#: libyaml's problem -> (variant of ``unreadable``, whether the line to fix is the context's: where the
#: unfinished key, bracket or quote starts, rather than where libyaml noticed)
_YAML_PROBLEMS: list[tuple[str, str, bool]] = [
    ("mapping values are not allowed", "syntax-colon", False),
    ("did not find expected ','", "syntax-flow", True),
    ("could not find expected ':'", "syntax-key", True),
    ("did not find expected key", "syntax-indent", False),
    ("did not find expected '-' indicator", "syntax-indent", False),
    ("expected <block end>", "syntax-indent", False),
    ("found unexpected end of stream", "syntax-quote", True),
    ("found undefined alias", "alias", False),
    ("found unknown escape character", "syntax-escape", False),
    ("that cannot start any token", "syntax-start", False),
]


#: a line break folded into a space between two Chinese characters or punctuation marks
FOLD = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")


def _scalar(node: yaml.ScalarNode, path: str) -> Any:
    tag, value = node.tag, node.value
    if tag == _STR:
        if node.style != "|" and node.end_mark.line > node.start_mark.line:
            # YAML folds a line break into a space, which Chinese does not write: "比例。 还在" -> "比例。还在"
            return FOLD.sub("", value)
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
    raise _err(path, line, "tag", tag=tag)


def _build(root: yaml.Node, path: str) -> Any:
    """Turn composed nodes into LineMap/LineList/scalars without recursion.

    Each node may be visited once: a second visit means an alias, which kefu
    refuses (it hides content and is the vehicle of the "billion laughs").
    """
    seen: set[int] = set()

    def make(node: yaml.Node, depth: int, line: int = 0) -> Any:
        if id(node) in seen:
            raise _err(path, line or node.start_mark.line + 1, "alias")
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise _err(path, node.start_mark.line + 1, "too-deep", depth=MAX_DEPTH)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise _err(path, node.start_mark.line + 1, "tag", tag=node.tag)
            return LineList(node.start_mark.line + 1)
        if node.tag != "tag:yaml.org,2002:map":
            raise _err(path, node.start_mark.line + 1, "tag", tag=node.tag)
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
                    raise _err(path, key_node.start_mark.line + 1, "syntax-keys")
                if key_node.tag == "tag:yaml.org,2002:merge" or key_node.value == "<<":
                    raise _err(path, key_node.start_mark.line + 1, "alias-merge")
                key = key_node.value  # keys stay exactly as written: `no` is "no"
                line = key_node.start_mark.line + 1
                if key in target:
                    first = target.key_lines[key]
                    raise _err(path, line, "duplicate-key", key=key, first=first)
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
        raise _err(path, line, "encoding") from None


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    return lines[line][column:column + 1] if line < len(lines) else ""


def _syntax(exc: yaml.MarkedYAMLError, text: str, path: str) -> LoadError:
    """libyaml's English problem as the likely cause in Chinese, on the line to fix.

    The usual cause is an unquoted ``: `` inside a value (``content: 原因: 漏水``);
    for an unfinished key the line to fix is where the key starts (the context),
    not the next line where libyaml noticed.
    """
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    problem = exc.problem or str(exc)
    context = exc.context_mark.line + 1 if exc.context_mark else line
    if "nesting depth" in problem:  # libyaml >= 0.2.6 (PyYAML 6.0.4) refuses deep nesting itself
        return _err(path, line, "too-deep", depth=MAX_DEPTH)
    if (mark is not None and _char_at(text, mark.line, mark.column) == "\t") or "tab" in problem.lower():
        return _err(path, line, "syntax-tab")
    for needle, variant, at_context in _YAML_PROBLEMS:
        if needle in problem:
            if variant == "syntax-start":
                char = _char_at(text, mark.line, mark.column) if mark else "?"
                return _err(path, line, variant, char=char or "?", problem=problem)
            return _err(path, context if at_context else line, variant, start=context, problem=problem)
    return _err(path, line, "syntax", problem=problem)


def parse_text(text: str, path: str) -> Any:
    """Parse one YAML document from text; raise :class:`LoadError` on any problem."""
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _syntax(exc, text, path) from None
    except yaml.YAMLError as exc:
        raise _err(path, None, "syntax", problem=str(exc)) from None
    except RecursionError:
        raise _err(path, None, "too-deep", depth=MAX_DEPTH) from None
    finally:
        loader.dispose()
    if node is None:
        return None
    return _build(node, path)


def _parse_json(text: str, path: str) -> Any:
    """JSON that libyaml cannot read (tabs, say): fall back to the json module."""
    import json  # imported by the few records that need it, not by every start of kefu check

    def pairs(items: list[tuple[str, Any]]) -> LineMap:
        out = LineMap(1)
        for key, value in items:
            if key in out:
                raise _err(path, None, "duplicate-key-json", key=key)
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise _err(path, exc.lineno, "syntax-json", problem=exc.msg) from None
    except RecursionError:
        raise _err(path, None, "too-deep", depth=MAX_DEPTH) from None


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
            raise _err(shown, None, "too-large", size=size // 1024 // 1024, limit=max_bytes // 1024 // 1024)
        data = p.read_bytes()
    except LoadError:
        raise
    except IsADirectoryError:
        raise _err(shown, None, "io-dir") from None
    except FileNotFoundError:
        raise _err(shown, None, "io-missing") from None
    except OSError as exc:
        raise _err(shown, None, "io", reason=exc.strerror) from None
    text = _decode(data, shown)
    if not text.strip():
        raise _err(shown, None, "empty")
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
