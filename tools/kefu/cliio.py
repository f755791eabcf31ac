"""The command line's edges: Chinese usage errors, a reader that goes away, a full disk.

click writes its usage errors through :mod:`gettext` (``from gettext import
gettext as _`` in each of its modules); :func:`speak_chinese` points those names
at a small catalogue, so ``kefu check`` with no path says 用法/错误 like every
other message of kefu.  :class:`SafeStdout` keeps ``kefu check logs | head -1``
honest: once the reader has gone, output is dropped but the command runs on and
exits with its own code (so ``set -o pipefail`` sees the check's result), and a
write that fails for another reason (``> /dev/full``) becomes :class:`OutputError`.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from typing import Any

#: click's English msgids -> Chinese (click >= 8.1; an id not listed stays English)
ZH = {
    "Usage:": "用法：",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "查看帮助：{command} {option}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少子命令。",
    "No such command {name!r}.": "没有子命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such option: {name}": "没有选项：{name}",
    "Did you mean {possibility}?": "是不是 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是其中之一：{possibilities}？）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不对：{message}",
    "Invalid value: {message}": "值不对：{message}",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不在 {choices} 之中。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "integer": "整数",
    "float": "数字",
    "Got unexpected extra argument ({args})": "多了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多了参数（{args}）",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，应为文件夹。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，应为文件。",
    "Path": "路径",
    "File": "文件",
    "Directory": "文件夹",
    "Options": "选项",
    "Commands": "子命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "Aborted!": "已中止。",
}


def _gettext(message: str) -> str:
    return ZH.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


def speak_chinese() -> None:
    """Route click's translatable messages through :data:`ZH` (its modules bind ``_`` at import)."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types

    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types):
        if hasattr(module, "_"):
            module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]


class OutputError(Exception):
    """Standard output cannot be written (a full disk, a closed file): one line, exit 2."""


class SafeStdout(io.TextIOBase):
    """``sys.stdout`` that outlives its reader: after a broken pipe, writes are dropped."""

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self.stream = stream
        self.gone = False

    @property
    def encoding(self) -> str:  # type: ignore[override]  # click checks it to accept this stream as is
        return str(self.stream.encoding)

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.stream, "errors", None)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return bool(self.stream.isatty())

    def fileno(self) -> int:
        return int(self.stream.fileno())

    @property
    def buffer(self) -> _SafeBuffer:
        """The binary side (``kefu new --format xlsx`` writes bytes), guarded the same way."""
        return _SafeBuffer(self)

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # click probes for a binary stream with write(b"")
            raise TypeError("write() argument must be str")
        if text and not self.gone:  # and then with write(""), whose errors it swallows
            self._guard(lambda: self.stream.write(text))
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            self._guard(self.stream.flush)

    def _guard(self, action: Any) -> None:
        try:
            action()
        except BrokenPipeError:
            self._drop()
        except OSError as exc:
            self._drop()
            reason = "磁盘已满" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
            raise OutputError(f"标准输出无法写入：{reason}") from None

    def _drop(self) -> None:
        """Point file descriptor 1 at /dev/null, so the interpreter's last flush cannot fail."""
        self.gone = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass


class _SafeBuffer:
    """``sys.stdout.buffer`` of a :class:`SafeStdout`."""

    def __init__(self, owner: SafeStdout) -> None:
        self.owner = owner

    def write(self, data: bytes) -> int:
        if data and not self.owner.gone:
            self.owner._guard(lambda: self.owner.stream.buffer.write(data))
        return len(data)

    def flush(self) -> None:
        if not self.owner.gone:
            self.owner._guard(self.owner.stream.buffer.flush)


def install() -> SafeStdout:
    """Chinese usage errors and a guarded stdout, for one run of the command line."""
    speak_chinese()
    if isinstance(sys.stdout, SafeStdout):
        return sys.stdout
    safe = SafeStdout(sys.stdout)
    sys.stdout = safe
    return safe
