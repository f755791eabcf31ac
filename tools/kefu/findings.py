"""Findings as data: what lint and check report, rendered by the CLI.

One dataclass for both commands keeps the output formats identical:
``path:line: severity rule: message`` as text, and the JSON of
``shared/contracts/check-output.md``.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from kefu import codes

Severity = Literal["error", "warning"]


@dataclass
class Finding:
    """One problem at one place: a code of :mod:`kefu.codes` and the parameters of its message.

    ``message`` is set directly only where a message is already rendered (a
    library's own text); otherwise :meth:`render` formats the code's template
    in the language asked for, so every output speaks the same words.
    """

    path: str
    line: int | None
    severity: Severity
    rule: str
    message: str = ""
    entry: int | str | None = None
    field: str | None = None
    help: str | None = None
    item: str | None = None  #: the matter an entry belongs to (ticket or DATE/SHIFT/NO), items.md
    cell: str | None = None  #: sheet and cell of a spreadsheet record (``值班记录!F12``)
    code: str | None = None  #: catalogue code when it is not ``rule`` (rules declared as data)
    variant: str = ""  #: which template of the code
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def render(self, lang: str = "zh") -> str:
        """The message in ``lang``: the code's template filled with ``params``."""
        from kefu.check.privacy import mask

        if self.message and not self.params:
            return mask(self.message)
        return mask(codes.get(self.code or self.rule).template(self.variant).render(lang, self.params))

    def text(self, lang: str = "zh") -> str:
        """``PATH:LINE: severity rule: message``; a finding about an entry names its ``no``."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        if self.cell:
            where = f"{self.path}:{self.cell}"
        tail = f" {self.help}" if self.help else ""
        message = self.render(lang)
        if self.entry is not None:
            label = f"第 {self.entry} 项" if lang == "zh" else f"entry {self.entry}"
            if not message.startswith(label):
                message = f"{label}：{message}" if lang == "zh" else f"{label}: {message}"
        return f"{where}: {self.severity} {self.rule}: {message}{tail}"

    def as_json(self, lang: str = "zh") -> dict[str, object]:
        """The finding as check-output.md fixes it (``item`` and ``cell`` only when known)."""
        out: dict[str, object] = {"rule": self.rule, "severity": self.severity, "line": self.line,
                                  "entry": self.entry, "field": self.field, "message": self.render(lang),
                                  "help": self.help}
        if self.item is not None:
            out["item"] = self.item
        if self.cell is not None:
            out["cell"] = self.cell
        return out


def make(code: str, path: str, line: int | None, variant: str = "", **params: Any) -> Finding:
    """A finding of a catalogue code, with the code's severity; rendered in either language later."""
    declared = codes.get(code)
    declared.template(variant)  # an unknown variant is kefu's bug: fail where it is made, not when shown
    return Finding(path, line, declared.severity, code, variant=variant, params=params)


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


def hint(word: str, known: Iterable[str]) -> codes.Text:
    """"Did you mean" in both languages (empty when nothing is near), for a finding's ``hint`` or ``near``."""
    choices = list(known)
    return codes.Text(did_you_mean(word, choices, "zh"), did_you_mean(word, choices, "en"))


def did_you_mean(word: str, choices: Iterable[str], lang: str = "zh") -> str:
    near = nearest(word, choices)
    if not near:
        return ""
    return f"（是不是 {near}？）" if lang == "zh" else f" (did you mean {near}?)"
