"""Where every item comes from: the source map, origins and review dates.

The source map (``documents`` in ``procedures/sources/``) and the items' ``sources`` say the same
thing from two sides: a section lists the items that carry it, an item cites the sections it
comes from.  Lint checks both directions, so a document section cannot look uncovered while an
item quietly cites it, and an item cannot claim a section that does not exist.  Items the
handbook wrote itself say so (``origin: written`` with a note), values the company must decide
are ``company_set``; ``kefu lint --strict`` lists both for the company to review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from kefu.findings import Finding, did_you_mean
from kefu.load.handbook import is_shipped
from kefu.model import KINDS, Handbook, Item


def content_items(book: Handbook) -> Iterable[tuple[str, Item]]:
    """(kind, item) for every content item that is not a source document."""
    for kind in KINDS:
        if kind == "documents":
            continue
        for item in book.kind(kind).values():
            yield kind, item


def _own(book: Handbook, item: Item, layered: bool) -> bool:
    """A company's own content cites no document: its phrases in the company file, and the items of
    its own folder layered over the shipped handbook (``base: shipped``)."""
    if bool(book.company.path) and item.path == book.company.path:
        return True
    return layered and not is_shipped(item.path)


def check_sources(book: Handbook) -> list[Finding]:
    """Each item's sources against the map, and the map's item lists against the items."""
    out: list[Finding] = []
    seeds: dict[str, str] = {}
    for d in book.documents.values():
        if d.seed in seeds:
            out.append(Finding(d.path, d.line, "error", "duplicate-id",
                               f"document '{d.id}' has seed {d.seed}, which '{seeds[d.seed]}' already has"))
        seeds.setdefault(d.seed, d.id)
    cites: dict[tuple[str, str], set[str]] = {}
    layered = any(is_shipped(i.path) for _, i in content_items(book))
    for kind, item in content_items(book):
        key = f"{kind}/{item.id}"
        if not item.sources and item.origin != "written" and not _own(book, item, layered):
            out.append(Finding(item.path, item.line, "error", "no-source",
                               f"{kind} '{item.id}' has no sources: list the document sections it comes from, "
                               f"or mark it origin: written"))
        for s in item.sources:
            doc = book.document(s.seed)
            if doc is None:
                out.append(Finding(item.path, s.line or item.line, "error", "source-unknown",
                                   f"{kind} '{item.id}' cites document {s.seed}, which has no source map "
                                   f"in procedures/sources/"))
                continue
            sec = doc.section(s.section)
            if sec is None:
                names = [x.ref for x in doc.sections] + [x.heading for x in doc.sections if x.heading]
                out.append(Finding(item.path, s.line or item.line, "error", "source-unknown",
                                   f"{kind} '{item.id}' cites section \"{s.section}\" of {doc.id}, which its "
                                   f"source map does not have{did_you_mean(s.section, names, 'en')}"))
                continue
            cites.setdefault((doc.seed, sec.ref), set()).add(key)
            if key not in sec.items:
                out.append(Finding(item.path, s.line or item.line, "error", "source-unlisted",
                                   f"{kind} '{item.id}' cites {doc.id} section \"{sec.ref}\", which does not list "
                                   f"it: add {key} to that section's items"))
    for d in book.documents.values():
        for sec in d.sections:
            where = f"{d.id} section \"{sec.ref}\""
            for key in sec.items:
                named = book.item_named(key)
                if named is not None and not is_shipped(named.path) and is_shipped(d.path):
                    continue  # the company replaced this shipped item: its own version cites no document
                if named is None:
                    out.append(Finding(d.path, sec.line, "error", "map-item-unknown",
                                       f"{where} lists {key}, which does not exist"))
                elif key not in cites.get((d.seed, sec.ref), set()):
                    out.append(Finding(d.path, sec.line, "error", "map-item-uncited",
                                       f"{where} lists {key}, which does not cite it in its sources"))
            if sec.status == "lost" and not sec.default:
                out.append(Finding(d.path, sec.line, "error", "lost-no-default",
                                   f"{where} is lost but names no default: say what replaces it"))
            if sec.status == "contradictory" and not sec.reading:
                out.append(Finding(d.path, sec.line, "error", "contradictory-no-reading",
                                   f"{where} is contradictory but gives no reading: "
                                   "say which one the handbook follows"))
            if sec.status == "covered" and not sec.items:
                out.append(Finding(d.path, sec.line, "warning", "map-status",
                                   f"{where} is covered, but no item carries it"))
            if sec.status == "not-for-handbook" and sec.items:
                out.append(Finding(d.path, sec.line, "warning", "map-status",
                                   f"{where} is not for the handbook, yet lists items"))
    return out


def check_origins(book: Handbook) -> list[Finding]:
    return [Finding(item.path, item.line, "error", "written-no-note",
                    f"{kind} '{item.id}' is origin: written and needs origin_note: what was written and why")
            for kind, item in content_items(book) if item.origin == "written" and not item.origin_note]


def written_findings(book: Handbook) -> list[Finding]:
    """Every item the handbook wrote itself, for ``--strict``: what the company should read first."""
    return [Finding(item.path, item.line, "warning", "written",
                    f"{kind} '{item.id}' was written by the handbook, not taken from a document: {item.origin_note}")
            for kind, item in content_items(book) if item.origin == "written"]


def check_reviews(book: Handbook, today: dt.date) -> list[Finding]:
    """Every procedure has a review date; one past ``reviewed + review_every`` is due again."""
    out = []
    period = book.company.review_period
    for p in book.procedures.values():
        if not p.reviewed:
            out.append(Finding(p.path, p.line, "error", "review-missing",
                               f"procedure '{p.id}' has no reviewed date YYYY-MM-DD"))
            continue
        due = book.review_due(p, today)
        if due is None:
            out.append(Finding(p.path, p.line, "error", "review-missing",
                               f"procedure '{p.id}' reviewed '{p.reviewed}' is not a date YYYY-MM-DD"))
        elif due <= today:
            out.append(Finding(p.path, p.line, "warning", "review-due",
                               f"procedure '{p.id}' was last reviewed on {p.reviewed}; with review_every "
                               f"{period.value} {period.unit} it was due on {due.isoformat()}"))
    return out


def company_set_values(book: Handbook) -> Iterable[tuple[Item, Any, str]]:
    """(item, the item or the part of it that holds the value, label) for every company_set mark."""
    for kind, item in content_items(book):
        if item.company_set:
            yield item, item, f"{kind} '{item.id}'"
        for attr in ("steps", "routine", "components", "levels", "inspections", "variants"):
            for n, sub in enumerate(getattr(item, attr, []), 1):
                name = getattr(sub, "id", None) or f"{attr.rstrip('s')} {n}"
                label = f"{kind} '{item.id}' {name}"
                if getattr(sub, "company_set", False):
                    yield item, sub, label
                for m, branch in enumerate(getattr(sub, "branches", []), 1):
                    if branch.company_set:
                        yield item, branch, f"{label} branch {m}"
