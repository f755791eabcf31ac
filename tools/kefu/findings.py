"""Findings as data: what lint and check report, rendered by the CLI.

One dataclass for both commands keeps the output formats identical:
``path:line: severity rule: message`` as text, and the JSON of
``shared/contracts/check-output.md``.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass
class Finding:
    """One problem at one place."""

    path: str
    line: int | None
    severity: Severity
    rule: str
    message: str
    entry: int | str | None = None
    field: str | None = None
    help: str | None = None

    def text(self, lang: str = "zh") -> str:
        """``PATH:LINE: severity rule: message``; a finding about an entry names its ``no``."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        tail = f" {self.help}" if self.help else ""
        message = self.message
        if self.entry is not None:
            label = f"第 {self.entry} 项" if lang == "zh" else f"entry {self.entry}"
            if not message.startswith(label):
                message = f"{label}：{message}" if lang == "zh" else f"{label}: {message}"
        return f"{where}: {self.severity} {self.rule}: {message}{tail}"

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        del out["path"]
        return out


def errors(findings: Iterable[Finding]) -> int:
    return sum(1 for f in findings if f.severity == "error")


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The closest known name, for "did you mean" hints (typos must not pass silently)."""
    options = list(choices)
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    if match:
        return match[0]
    # short Chinese names: one wrong character out of three is below difflib's cutoff
    scored = sorted(options, key=lambda o: -difflib.SequenceMatcher(None, word, o).ratio())
    if scored and difflib.SequenceMatcher(None, word, scored[0]).ratio() >= 0.4:
        return scored[0]
    return None


def did_you_mean(word: str, choices: Iterable[str], lang: str = "zh") -> str:
    near = nearest(word, choices)
    if not near:
        return ""
    return f"（是不是 {near}？）" if lang == "zh" else f" (did you mean {near}?)"
