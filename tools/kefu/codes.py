"""One catalogue of finding codes: what each means, its severity and its message templates.

Every finding kefu reports -- a file it cannot read, a record value, a broken
rule, a lint check -- names a code declared here once (in the manner of
frictionless' error catalogue): an id, a default severity, a Chinese line for the
handbook's page of codes, and message templates in Chinese and English that
are filled from the finding's parameters when it is rendered
(:meth:`kefu.findings.Finding.message`).  Nothing else builds message text, so
a wording is changed in one place and the site lists every code with an example.

Templates use :meth:`str.format` fields.  A parameter may be a :class:`Text`
(one value per language, e.g. a field's Chinese label and its key) or a plain
value (a time as written, a number).  Rules declared as data (timed rules of the
handbook and of a company file) share the ``timed:*`` templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]
Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class Text:
    """A parameter worth saying differently per language (a label and its key, a duration)."""

    zh: str
    en: str

    def __str__(self) -> str:  # a Text pasted into a template of the other kind still reads
        return self.zh


@dataclass(frozen=True)
class Template:
    """A message in both languages, formatted with the finding's parameters."""

    zh: str
    en: str

    def render(self, lang: str, params: dict[str, Any]) -> str:
        values = {k: (getattr(v, lang) if isinstance(v, Text) else v) for k, v in params.items()}
        return (self.en if lang == "en" else self.zh).format(**values)


@dataclass(frozen=True)
class Code:
    """A finding code: ``rule`` in the output is its id (``unreadable``, ``bad-value``, a rule id)."""

    id: str
    severity: Severity
    about: str  #: one Chinese line for the handbook's page of codes: what it means, what to do
    templates: dict[str, Template]  #: variant -> template; "" is the default
    example: dict[str, Any] = field(default_factory=dict)  #: parameters for the page's example
    group: str = "record"  #: record, rule, lint: where the code comes from (for the page)

    def template(self, variant: str = "") -> Template:
        return self.templates[variant]


#: code id -> Code; filled by :func:`declare` at import time of the modules that report them
CATALOGUE: dict[str, Code] = {}


def declare(id: str, severity: Severity, about: str, group: str = "record",
            example: dict[str, Any] | None = None, **templates: tuple[str, str]) -> Code:
    """Declare a code once; ``templates`` map variant names (``_`` is the default) to (zh, en)."""
    if id in CATALOGUE:
        raise ValueError(f"finding code {id!r} declared twice")
    code = Code(id, severity, about,
                {("" if k == "_" else k.replace("_", "-")): Template(*v) for k, v in templates.items()},
                example or {}, group)
    CATALOGUE[id] = code
    return code


def get(id: str) -> Code:
    """The code ``id``; an unknown id is a bug in kefu, never in the user's files."""
    return CATALOGUE[id]


# --------------------------------------------------------------------------------------------
# Codes every command shares.

declare("literal", "error", "其他问题（消息原样显示）", group="internal",
        _=("{zh}", "{en}"), example={"zh": "……", "en": "..."})
