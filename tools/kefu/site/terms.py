"""Glossary terms explained where they are used: the first use of each term on a page becomes an
``<abbr>`` whose title is the glossary's definition.

Material's ``content.tooltips`` shows that title as its own tooltip when the term is hovered or
focused; ``tabindex="0"`` makes it focusable, so a tap on a phone shows it too.  Material's
``abbr`` + snippets pattern cannot do this here: the pages' text sits in raw HTML blocks, where
Markdown abbreviations do not apply, so the built HTML is marked instead.

Only the first use of each term per page is marked, and never inside headings, table headers, links,
buttons, code, diagrams, badges or the 说 boxes (staff read those out word for word).  A page about a
term (a procedure the term's entry points to) does not mark it: the page explains it already.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kefu.load.yamlio import FOLD
from kefu.model import Handbook

#: elements whose text is never marked
SKIP_TAGS = {"a", "abbr", "button", "code", "pre", "script", "style", "svg", "h1", "h2", "h3", "h4", "h5", "h6",
             "label", "select", "textarea", "title", "summary", "dt", "th", "kbd", "mark"}
#: classes whose elements' text is never marked: 说 boxes, badges, diagrams, keyword lists
SKIP_CLASSES = {"kefu-say", "kefu-badge", "mermaid", "kefu-flow", "kefu-keywords", "kefu-tag", "kefu-limit"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
TOKENS = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
TAG = re.compile(r"<\s*(/)?\s*([a-zA-Z][a-zA-Z0-9-]*)([^>]*?)(/)?\s*>", re.S)
CLASS = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@dataclass(frozen=True)
class Term:
    id: str
    words: tuple[str, ...]  # the term and its aliases, as the page writes them
    definition: str


def terms_of(book: Handbook, edition: Callable[[str], str] = lambda s: s) -> list[Term]:
    """The glossary's terms with the words that name them (two characters or more)."""
    out = []
    for t in book.glossary.values():
        words = tuple(dict.fromkeys(edition(w.strip()) for w in [t.term, *t.aliases] if len(w.strip()) >= 2))
        if words and t.definition.strip():
            out.append(Term(t.id, words, FOLD.sub("", " ".join(edition(t.definition).split()))))
    return out


class Marker:
    """Marks the first use of each term in one page's HTML."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.by_word: dict[str, Term] = {}
        for t in terms:
            for w in t.words:
                self.by_word.setdefault(w, t)
        words = sorted(self.by_word, key=len, reverse=True)  # the longest word at a place wins
        # a Latin word (CRM, ID) only as a whole word, never inside another (IDs, CRMS)
        alts = [re.escape(html.escape(w, quote=False)) for w in words]
        alts = [f"(?<![A-Za-z0-9]){a}(?![A-Za-z0-9])" if w.isascii() else a
                for w, a in zip(words, alts, strict=True)]
        self.pattern = re.compile("|".join(alts)) if alts else None

    def mark(self, page_html: str, skip: Iterable[str] = ()) -> str:
        """``page_html`` with each term's first use wrapped; terms whose id is in ``skip`` are left alone."""
        if self.pattern is None:
            return page_html
        done = set(skip)
        stack: list[tuple[str, bool]] = []
        out: list[str] = []
        for token in TOKENS.split(page_html):
            if not token:
                continue
            if token.startswith("<"):
                out.append(token)
                self._track(token, stack)
                continue
            if stack and stack[-1][1]:
                out.append(token)
                continue
            out.append(self._mark_text(token, done))
        return "".join(out)

    def _track(self, token: str, stack: list[tuple[str, bool]]) -> None:
        m = TAG.match(token)
        if m is None or token.startswith("<!"):
            return
        closing, name, attrs, self_closing = m.group(1), m.group(2).lower(), m.group(3), m.group(4)
        if closing:
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == name:
                    del stack[i:]
                    break
            return
        if name in VOID or self_closing:
            return
        classes: set[str] = set()
        c = CLASS.search(attrs or "")
        if c:
            classes = set((c.group(1) or c.group(2) or "").split())
        skipping = bool(stack and stack[-1][1]) or name in SKIP_TAGS or bool(classes & SKIP_CLASSES)
        stack.append((name, skipping))

    def _mark_text(self, text: str, done: set[str]) -> str:
        assert self.pattern is not None

        def one(m: re.Match[str]) -> str:
            term = self.by_word[html.unescape(m.group(0))]
            if term.id in done:
                return m.group(0)
            done.add(term.id)
            title = html.escape(term.definition, quote=True)
            return f'<abbr class="kefu-term" title="{title}" tabindex="0">{m.group(0)}</abbr>'

        return self.pattern.sub(one, text)
