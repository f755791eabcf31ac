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

from kefu import codes
from kefu.codes import Text
from kefu.findings import Finding, hint, make
from kefu.load.handbook import KIND, is_shipped
from kefu.model import KINDS, Handbook, Item

codes.declare(
    "source-unknown", "error", "出处指向的文件或章节在来源清单（procedures/sources/）里找不到：多半是章节名写错了。",
    group="lint", example={"item": Text("话术 “listen”", "scripts 'listen'"), "seed": "001", "doc": "estate-standards",
                           "section": "投诉处理", "hint": Text("（是不是 投诉受理？）", " (did you mean 投诉受理?)")},
    _=("{item} 的出处是 {doc} 的 “{section}”，来源清单里没有这一节{hint}",
       "{item} cites section \"{section}\" of {doc}, which its source map does not have{hint}"),
    no_map=("{item} 的出处是文件 {seed}，procedures/sources/ 里没有它的来源清单",
            "{item} cites document {seed}, which has no source map in procedures/sources/"),
)
codes.declare(
    "source-unlisted", "error", "条目引用了某一节，那一节的 items 却没有列出它：两边要一致。",
    group="lint", example={"item": Text("话术 “listen”", "scripts 'listen'"), "doc": "estate-standards",
                           "section": "投诉受理", "key": "scripts/listen"},
    _=("{item} 的出处是 {doc} 的 “{section}”，那一节没有列出它：把 {key} 加进该节的 items",
       "{item} cites {doc} section \"{section}\", which does not list it: add {key} to that section's items"),
)
codes.declare(
    "map-item-unknown", "error", "来源清单的一节列出了不存在的条目：多半是 id 写错了。",
    group="lint", example={"doc": "estate-standards", "section": "投诉受理", "key": "scripts/no-such"},
    _=("{doc} 的 “{section}” 列出了 {key}，手册里没有这一项", "{doc} section \"{section}\" lists {key}, which does not exist"),
)
codes.declare(
    "map-item-uncited", "error", "来源清单的一节列出了某一条目，那一条目的出处却没有这一节：两边要一致。",
    group="lint", example={"doc": "estate-standards", "section": "投诉受理", "key": "scripts/listen"},
    _=("{doc} 的 “{section}” 列出了 {key}，它的出处里却没有这一节",
       "{doc} section \"{section}\" lists {key}, which does not cite it in its sources"),
)
codes.declare(
    "lost-no-default", "error", "原文缺失的一节要写明手册用什么代替（default），公司才知道要确认什么。",
    group="lint", example={"doc": "operations-guide", "section": "费用收取"},
    _=("{doc} 的 “{section}” 标为原文缺失，却没写用什么代替（default）",
       "{doc} section \"{section}\" is lost but names no default: say what replaces it"),
)
codes.declare(
    "contradictory-no-reading", "error", "原文前后矛盾的一节要写明手册按哪一种说法（reading）。",
    group="lint", example={"doc": "estate-standards", "section": "服务理念"},
    _=("{doc} 的 “{section}” 标为前后矛盾，却没写手册按哪种说法（reading）",
       "{doc} section \"{section}\" is contradictory but gives no reading: say which one the handbook follows"),
)
codes.declare(
    "map-status", "warning", "来源清单里一节的状态和它列出的条目对不上。",
    group="lint", example={"doc": "estate-standards", "section": "服务理念"},
    covered=("{doc} 的 “{section}” 标为已收录，却没有条目引用它", "{doc} section \"{section}\" is covered, but no item carries it"),
    not_for_handbook=("{doc} 的 “{section}” 标为不收入手册，却列出了条目",
                      "{doc} section \"{section}\" is not for the handbook, yet lists items"),
)
codes.declare(
    "written-no-note", "error", "手册自己写的条目（origin: written）要用一句话说明写了什么、为什么（origin_note）。",
    group="lint", example={"item": Text("话术 “listen”", "scripts 'listen'")},
    _=("{item} 标为手册自写（origin: written），需要 origin_note：写了什么、为什么",
       "{item} is origin: written and needs origin_note: what was written and why"),
)
codes.declare(
    "written", "warning", "手册自己写的、不是从原文来的条目：公司审阅时先读这些（kefu lint --strict 列出）。",
    group="lint", example={"item": Text("话术 “listen”", "scripts 'listen'"), "note": "原文只要求不打断；这句是示例。"},
    _=("{item} 是手册自写的，不是取自原文：{note}", "{item} was written by the handbook, not taken from a document: {note}"),
)
codes.declare(
    "review-missing", "error", "每个规程都要写上次复核的日期（reviewed），到期提醒靠它。",
    group="lint", example={"id": "complaint", "value": "去年"},
    _=("规程 “{id}” 没有写复核日期 reviewed（YYYY-MM-DD）", "procedure '{id}' has no reviewed date YYYY-MM-DD"),
    not_a_date=("规程 “{id}” 的复核日期 “{value}” 不是日期 YYYY-MM-DD",
                "procedure '{id}' reviewed '{value}' is not a date YYYY-MM-DD"),
)
codes.declare(
    "review-due", "warning", "规程到了复核期（公司文件的 review_every，默认 12 个月）：请复核后更新 reviewed。",
    group="lint", example={"id": "complaint", "reviewed": "2025-11-30", "every": Text("12 个月", "12 months"),
                           "due": "2026-11-30"},
    _=("规程 “{id}” 上次复核是 {reviewed}，按每 {every}复核一次，{due} 已到期",
       "procedure '{id}' was last reviewed on {reviewed}; with review_every {every} it was due on {due}"),
)
codes.extend("duplicate-id", example={"doc": "estate-standards", "seed": "001", "other": "operations-guide"},
             document=("来源文件 “{doc}” 的编号 {seed} 已被 “{other}” 用了",
                       "document '{doc}' has seed {seed}, which '{other}' already has"))

#: a period's unit in words (review_every)
UNITS = {"days": ("天", "days"), "months": ("个月", "months"), "years": ("年", "years")}


def _named(kind: str, item_id: str) -> Text:
    """``话术 “listen”`` / ``scripts 'listen'``: how a finding names an item to its editor."""
    label = KIND.get(kind)
    return Text(f"{label.zh if label else kind} “{item_id}”", f"{kind} '{item_id}'")


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
            out.append(make("duplicate-id", d.path, d.line, "document", doc=d.id, seed=d.seed, other=seeds[d.seed]))
        seeds.setdefault(d.seed, d.id)
    cites: dict[tuple[str, str], set[str]] = {}
    layered = any(is_shipped(i.path) for _, i in content_items(book))
    for kind, item in content_items(book):
        key, named = f"{kind}/{item.id}", _named(kind, item.id)
        if not item.sources and item.origin != "written" and not _own(book, item, layered):
            out.append(make("no-source", item.path, item.line, kind=KIND.get(kind, kind), id=item.id))
        for s in item.sources:
            line = s.line or item.line
            doc = book.document(s.seed)
            if doc is None:
                out.append(make("source-unknown", item.path, line, "no-map", item=named, seed=s.seed))
                continue
            sec = doc.section(s.section)
            if sec is None:
                names = [x.ref for x in doc.sections] + [x.heading for x in doc.sections if x.heading]
                out.append(make("source-unknown", item.path, line, item=named, doc=doc.id, section=s.section,
                                hint=hint(s.section, names)))
                continue
            cites.setdefault((doc.seed, sec.ref), set()).add(key)
            if key not in sec.items:
                out.append(make("source-unlisted", item.path, line, item=named, doc=doc.id, section=sec.ref, key=key))
    for d in book.documents.values():
        for sec in d.sections:
            where = {"doc": d.id, "section": sec.ref}
            for key in sec.items:
                found = book.item_named(key)
                if found is not None and not is_shipped(found.path) and is_shipped(d.path):
                    continue  # the company replaced this shipped item: its own version cites no document
                if found is None:
                    out.append(make("map-item-unknown", d.path, sec.line, key=key, **where))
                elif key not in cites.get((d.seed, sec.ref), set()):
                    out.append(make("map-item-uncited", d.path, sec.line, key=key, **where))
            if sec.status == "lost" and not sec.default:
                out.append(make("lost-no-default", d.path, sec.line, **where))
            if sec.status == "contradictory" and not sec.reading:
                out.append(make("contradictory-no-reading", d.path, sec.line, **where))
            if sec.status == "covered" and not sec.items:
                out.append(make("map-status", d.path, sec.line, "covered", **where))
            if sec.status == "not-for-handbook" and sec.items:
                out.append(make("map-status", d.path, sec.line, "not-for-handbook", **where))
    return out


def check_origins(book: Handbook) -> list[Finding]:
    return [make("written-no-note", item.path, item.line, item=_named(kind, item.id))
            for kind, item in content_items(book) if item.origin == "written" and not item.origin_note]


def written_findings(book: Handbook) -> list[Finding]:
    """Every item the handbook wrote itself, for ``--strict``: what the company should read first."""
    return [make("written", item.path, item.line, item=_named(kind, item.id), note=item.origin_note or "")
            for kind, item in content_items(book) if item.origin == "written"]


def check_reviews(book: Handbook, today: dt.date) -> list[Finding]:
    """Every procedure has a review date; one past ``reviewed + review_every`` is due again."""
    out = []
    period = book.company.review_period
    zh, en = UNITS[period.unit]
    every = Text(f"{period.value} {zh}", f"{period.value} {en}")
    for p in book.procedures.values():
        if not p.reviewed:
            out.append(make("review-missing", p.path, p.line, id=p.id))
            continue
        due = book.review_due(p, today)
        if due is None:
            out.append(make("review-missing", p.path, p.line, "not-a-date", id=p.id, value=p.reviewed))
        elif due <= today:
            out.append(make("review-due", p.path, p.line, id=p.id, reviewed=p.reviewed, every=every,
                            due=due.isoformat()))
    return out


#: how the parts of an item holding a company-set value are named in Chinese ({n}: its number)
PARTS = {"steps": "第 {n} 步", "routine": "日常工作第 {n} 项", "components": "考评项 {n}", "levels": "扣分档 {n}",
         "inspections": "检查 {n}", "variants": "情形 {n}"}


def company_set_values(book: Handbook) -> Iterable[tuple[Item, Any, Text]]:
    """(item, the item or the part of it that holds the value, label) for every company_set mark."""
    for kind, item in content_items(book):
        named = _named(kind, item.id)
        if item.company_set:
            yield item, item, named
        for attr, part in PARTS.items():
            for n, sub in enumerate(getattr(item, attr, []), 1):
                sub_id = getattr(sub, "id", None)
                singular = attr.rstrip("s")
                label = Text(f"{named.zh} {sub_id or part.format(n=n)}", f"{named.en} {sub_id or f'{singular} {n}'}")
                if getattr(sub, "company_set", False):
                    yield item, sub, label
                for m, branch in enumerate(getattr(sub, "branches", []), 1):
                    if branch.company_set:
                        yield item, branch, Text(f"{label.zh}第 {m} 个分支", f"{label.en} branch {m}")
