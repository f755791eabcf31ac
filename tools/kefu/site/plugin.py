"""The ``kefu`` MkDocs plugin: the handbook site, generated from the model at every build.

The YAML content and the company file are the only source: no page that
repeats them is written or committed.  A company's ``mkdocs.yml`` says
``plugins: [search, offline, kefu]`` (the ``kefu`` entry point of
``mkdocs.plugins``); each build loads and lints the model (a broken reference
stops the build with the lint finding), renders one Markdown page per role,
procedure, form ... from the Jinja2 templates in ``templates/`` and adds them
as generated files.  Everything a page needs at run time (Mermaid, the
iframe-worker shim for search from file://) ships inside the package under
``vendor/``, so neither the build nor the built site needs the internet.

YAML text reaches pages only through the templates' autoescaping and only
inside raw HTML blocks, so ``<script>``, ``{{ }}``, ``|`` and Markdown
markup in the content show as text.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import os
import posixpath
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import yaml
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page as MkPage

from kefu.load import HandbookError, LoadError, plain, read_yaml, require
from kefu.model import (
    UNIT_ZH,
    CompanyFile,
    Document,
    Handbook,
    Item,
    Kpi,
    Limit,
    Procedure,
    Routine,
    Script,
    Section,
    Target,
    fill,
    from_data,
)
from kefu.present import (
    company_label,
    first_week_days,
    group_labels,
    is_sample,
    limit_line,
    reader_copy,
    rule_groups,
    step_limits,
)
from kefu.site.terms import Marker
from kefu.variant import converter

log = logging.getLogger("mkdocs.plugins.kefu")

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: the vendored scripts, committed with their licences (``make vendor`` refreshes them)
VENDORED = Path(__file__).resolve().parent / "vendor"

#: What the site needs in the browser, vendored from the npm registry into VENDORED/<name>/:
#: name -> (npm package spec, file inside the npm package, path in the site).
#: The offline plugin looks for "iframe-worker" in extra.polyfills before it
#: adds its CDN URL, so the local shim's path must contain that word.
VENDOR: dict[str, tuple[str, str, str]] = {
    "iframe-worker": ("iframe-worker@1.0.4", "package/shim/index.js", "assets/vendor/iframe-worker/shim.js"),
    "mermaid": ("mermaid@11.17.2", "package/dist/mermaid.min.js", "assets/vendor/mermaid/mermaid.min.js"),
}

CADENCE_ZH = {"shift": "每班", "daily": "每天", "weekly": "每周", "monthly": "每月",
              "quarterly": "每季度", "yearly": "每年", "spot": "不定时"}
SITUATION_ZH = {
    "phone": "电话接待", "visit": "来访接待", "complaint": "投诉", "apology": "致歉", "hold": "请稍候",
    "transfer": "转接", "closing": "结束语", "address": "称呼", "inquiry": "咨询", "repair": "报修",
    "suggestion": "建议", "incident": "突发事件", "online": "网络", "move": "入住与搬迁", "fees": "收费",
    "survey": "回访与调查", "general": "通用",
}
INSPECTION_ZH = {"daily": "日检", "weekly": "周检", "monthly": "月检", "spot": "抽检"}
STATUS_ZH = {"covered": "已收入手册", "lost": "原文缺失", "contradictory": "前后矛盾",
             "not-for-handbook": "不收入手册"}
SCRIPT_ZH = {"zh-Hant": "繁体字", "zh-Hans": "简体字"}
#: kind -> (its pages: a folder of one page per item, or one page with an anchor per item;
#: the attribute that names the item; what readers call the kind)
ITEM_PAGES = {"procedures": ("procedures", "title", "规程"), "roles": ("roles", "name", "岗位"),
              "forms": ("forms", "title", "表单"), "scripts": ("scripts.md", "text", "话术"),
              "rules": ("sla.md", "title", "规定"), "evaluations": ("evaluations.md", "title", "考评"),
              "categories": ("categories.md", "name", "服务类别"),
              "incident_classes": ("incidents.md", "name", "突发事件"), "glossary": ("glossary.md", "term", "术语"),
              "kpis": ("kpis.md", "name", "考核指标")}
TYPE_ZH = {"string": "文字", "text": "多行文字", "integer": "整数", "number": "数字", "boolean": "是/否",
           "time": "时间", "date": "日期", "datetime": "日期时间", "enum": "选项", "list": "列表",
           "table": "表格", "mapping": "分组", "score": "分数"}


# --------------------------------------------------------------------------
# The pages: what exists, at which address, rendered by which template.


@dataclass
class SitePage:
    """One generated page: its source path in the site, nav title and template."""

    uri: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class Overrides:
    """What the company file changed, so pages can mark the company's values."""

    rules: dict[str, Limit | None] = field(default_factory=dict)  # rule id -> handbook default
    scripts: set[str] = field(default_factory=set)
    kpis: dict[str, Target | None] = field(default_factory=dict)  # KPI id -> handbook target it replaced
    added_kpis: set[str] = field(default_factory=set)  # the company's own KPIs


def page_plan(book: Handbook) -> list[SitePage]:
    """Every generated page, in nav order."""
    out = [SitePage("roles/index.md", "岗位一览", "roles.md.j2")]
    out += [SitePage(f"roles/{r.id}.md", f"我是{r.name}", "role.md.j2", {"role": r}) for r in book.roles.values()]
    out.append(SitePage("procedures/index.md", "规程一览", "procedures.md.j2"))
    out += [SitePage(f"procedures/{p.id}.md", p.title, "procedure.md.j2", {"procedure": p})
            for p in procedures_in_order(book)]
    out.append(SitePage("sla.md", "时限一览", "sla.md.j2"))
    if book.kpis:
        out.append(SitePage("kpis.md", "考核指标", "kpis.md.j2"))
    out.append(SitePage("scripts.md", "话术库", "scripts.md.j2"))
    out.append(SitePage("forms/index.md", "表单一览", "forms.md.j2"))
    out += [SitePage(f"forms/{f.id}.md", f.title, "form.md.j2", {"form": f}) for f in book.forms.values()]
    out.append(SitePage("evaluations.md", "绩效考评", "evaluations.md.j2"))
    out.append(SitePage("categories.md", "服务类别", "categories.md.j2"))
    out.append(SitePage("incidents.md", "突发事件分类", "incidents.md.j2"))
    out.append(SitePage("glossary.md", "术语表", "glossary.md.j2"))
    if book.documents:
        out.append(SitePage("sources/index.md", "来源总览", "sources.md.j2"))
        out += [SitePage(f"sources/{d.id}.md", f"《{d.title}》", "source.md.j2", {"document": d})
                for d in documents_in_order(book)]
    out.append(SitePage("codes.md", "提示代码一览", "codes.md.j2"))
    return out


def documents_in_order(book: Handbook) -> list[Document]:
    return sorted(book.documents.values(), key=lambda d: d.seed)


def procedures_in_order(book: Handbook) -> list[Procedure]:
    """Procedures grouped by service category (in category order), then the rest."""
    order = {cid: n for n, cid in enumerate(book.categories)}
    return sorted(book.procedures.values(), key=lambda p: (order.get(p.category or "", len(order)), p.title))


def nav(book: Handbook, plan: list[SitePage]) -> list[Any]:
    """The nav for mkdocs.yml; titles are HTML-escaped because the theme prints them raw."""
    by_dir: dict[str, list[SitePage]] = {}
    for p in plan:
        by_dir.setdefault(p.uri.split("/")[0] if "/" in p.uri else "", []).append(p)

    def entry(p: SitePage) -> dict[str, str]:
        return {html.escape(p.title): p.uri}

    section = {"roles": "岗位", "procedures": "作业规程", "forms": "表单", "sources": "来源"}
    out: list[Any] = [{"首页": "index.md"}]
    for key in ("roles", "procedures"):
        out.append({section[key]: [entry(p) for p in by_dir.get(key, [])]})
    beside = ("sla.md", "kpis.md", "scripts.md")  # the limits, what is measured on them, what to say
    out += [entry(p) for p in by_dir.get("", []) if p.uri in beside]
    out.append({section["forms"]: [entry(p) for p in by_dir.get("forms", [])]})
    out += [entry(p) for p in by_dir.get("", []) if p.uri not in (*beside, "codes.md")]
    if by_dir.get("sources"):
        out.append({section["sources"]: [entry(p) for p in by_dir["sources"]]})
    # for supervisors: what kefu check and kefu lint report, code by code
    out.append({"给主管": [entry(p) for p in by_dir.get("", []) if p.uri == "codes.md"]})
    return out


# --------------------------------------------------------------------------
# Rendering


class Links:
    """Relative addresses from one page, so links work over HTTP and from file://.

    Links inside raw HTML blocks are not rewritten by MkDocs, so they are
    computed here, as the final ``.html`` addresses.
    """

    def __init__(self, book: Handbook, uri: str) -> None:
        self.book = book
        self.dir = posixpath.dirname(uri)

    def to(self, target: str, anchor: str | None = None) -> str:
        if target.endswith(".md"):
            target = target[:-3] + ".html"
        rel = posixpath.relpath(target, self.dir or ".")
        return f"{rel}#{anchor}" if anchor else rel

    def procedure(self, pid: str, step: int | None = None) -> str:
        return self.to(f"procedures/{pid}.md", f"step-{step}" if step else None)

    def role(self, rid: str) -> str:
        return self.to(f"roles/{rid}.md")

    def rule(self, rid: str) -> str:
        return self.to("sla.md", rid)

    def kpi(self, kid: str) -> str:
        return self.to("kpis.md", kid)

    def form(self, fid: str) -> str:
        return self.to(f"forms/{fid}.md")

    def script(self, sid: str) -> str:
        return self.to("scripts.md", sid)

    def term(self, tid: str) -> str:
        return self.to("glossary.md", tid)

    def category(self, cid: str) -> str:
        return self.to("categories.md", cid)

    def evaluation(self, eid: str) -> str:
        return self.to("evaluations.md", eid)

    def checklist_pdf(self, pid: str) -> str:
        return self.to(f"print/checklists/{pid}.pdf")

    def form_pdf(self, fid: str) -> str:
        return self.to(f"print/forms/{fid}.pdf")

    def schema(self, fid: str) -> str:
        return self.to(f"schemas/records/{fid}.schema.json")

    def section(self, doc: Document, sec: Section) -> str:
        return self.to(f"sources/{doc.id}.md", section_anchor(doc, sec))

    def item(self, key: str) -> tuple[str, str] | None:
        """(href, reader's name) of an item a source map lists as kind/id."""
        item = self.book.item_named(key)
        kind = key.partition("/")[0]
        if item is None or kind not in ITEM_PAGES:
            return None
        page, attr, what = ITEM_PAGES[kind]
        if kind == "scripts":
            return self.script(item.id), f"话术：“{short(self.book.say(item.id), 18)}”"
        href = self.to(page, item.id) if page.endswith(".md") else self.to(f"{page}/{item.id}.md")
        return href, f"{what}：{getattr(item, attr)}"

    def see(self, item_id: str) -> tuple[str, str] | None:
        """(href, title) of a procedure or rule a glossary entry points to."""
        if item_id in self.book.procedures:
            return self.procedure(item_id), self.book.procedures[item_id].title
        if item_id in self.book.rules:
            return self.rule(item_id), self.book.rules[item_id].title
        return None


def section_anchor(doc: Document, sec: Section) -> str:
    """A section's anchor on its document's page: its position (refs are free text)."""
    return f"sec-{doc.sections.index(sec) + 1}"


def mermaid_label(text: str) -> str:
    """Text safe inside a quoted Mermaid label (Mermaid's own entity codes)."""
    out = text.replace("#", "#35;")
    for char, code in (("\"", "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("&", "#amp;")):
        out = out.replace(char, code)
    return " ".join(out.split())


def short(text: str, width: int = 22) -> str:
    """A flowchart box shows the action's first clause, whole (Mermaid wraps it); the step list
    shows all of it.  Cut at a clause mark, never inside a word."""
    flat = " ".join(text.split())
    first = re.split(r"(?<=[。；！？])", flat, maxsplit=1)[0].rstrip("。；")
    if len(first) <= width:
        return first
    marks = [m.end() for m in re.finditer(r"[，、：:]", first) if m.end() <= width]
    return first[: marks[-1]].rstrip("，、：:") if marks else first


def flowchart(book: Handbook, p: Procedure) -> str:
    """Mermaid source of a procedure: steps in order, branches as dotted edges."""
    lines = ["flowchart TD"]
    for n, s in enumerate(p.steps, 1):
        actor = book.roles[s.actor].name if s.actor in book.roles else s.actor
        lines.append(f'  s{n}["{n}. {mermaid_label(actor)}：{mermaid_label(short(s.action))}"]')
        if n > 1:
            lines.append(f"  s{n - 1} --> s{n}")
    for n, s in enumerate(p.steps, 1):
        for k, b in enumerate(s.branches, 1):
            cond = mermaid_label(short(b.when, 14))
            if b.step is not None:
                lines.append(f'  s{n} -. "{cond}" .-> s{b.step}')
            else:
                target = book.procedures[b.procedure].title if b.procedure in book.procedures else short(b.then)
                prefix = "转：" if b.procedure else ""
                lines.append(f'  b{n}_{k}(["{prefix}{mermaid_label(short(target))}"])')
                lines.append(f'  s{n} -. "{cond}" .-> b{n}_{k}')
    return "\n".join(lines)


#: cadences of a role's timetable of one day (the rest are listed by how often)
DAY_CADENCES = ("shift", "daily")
MINUTES = 24 * 60
CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:：]([0-5]\d)(?!\d)")


@dataclass
class Timetable:
    """A role's day: (time as shown, task) in clock order, tasks of the day without a time, the rest."""

    label: str = ""
    rows: list[tuple[list[str], Routine]] = field(default_factory=list)
    anytime: list[Routine] = field(default_factory=list)
    other: list[tuple[str, list[Routine]]] = field(default_factory=list)


def clock_times(when: str | None) -> list[int]:
    """Minutes after midnight of the clock times a routine's ``when`` writes ("22:00、00:00")."""
    return [int(h) * 60 + int(m) for h, m in CLOCK.findall(when or "")]


def _times_shown(when: str, next_day: bool) -> list[str]:
    """The times of a row as written ("22:00、00:00" -> two), the first marked 次日 when the row
    starts after midnight of the shift's day."""
    parts = [p.strip() for p in when.split("、") if p.strip()]
    if next_day and parts:
        parts[0] = "次日 " + parts[0]
    return parts


def day_start(moments: list[int]) -> int:
    """Where a role's day begins: after the longest stretch without a task (a night shift's 20:00,
    not the 00:00 of its rounds), so the timetable reads in the order the shift lives it."""
    if not moments:
        return 0
    gaps = [((moments[(i + 1) % len(moments)] - m) % MINUTES or MINUTES, moments[(i + 1) % len(moments)])
            for i, m in enumerate(moments)]
    return max(gaps, key=lambda g: (g[0], -g[1]))[1]  # a tie: the earlier start


def num(value: float) -> str:
    """24.0 as 24, 1.5 as 1.5."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _limit_text(limit: Limit | None) -> str:
    return limit.zh() if limit else ""


class Renderer:
    """Jinja2 environment and the helpers every page template gets."""

    def __init__(self, book: Handbook, overrides: Overrides | None = None, today: dt.date | None = None) -> None:
        book = reader_copy(book)  # pages show labels, never record keys
        self.book = book
        self.overrides = overrides or Overrides()
        self.today = today or book.company.today()
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            undefined=jinja2.StrictUndefined,
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # Markdown's attribute lists ({#id}) would open Jinja comments
            comment_start_string="<#", comment_end_string="#>",
        )
        self.env.filters["limit"] = _limit_text
        self.env.globals.update(
            book=book, company=book.company, CADENCE_ZH=CADENCE_ZH, SITUATION_ZH=SITUATION_ZH,
            INSPECTION_ZH=INSPECTION_ZH, TYPE_ZH=TYPE_ZH, UNIT_ZH=UNIT_ZH,
            say=self.say, role_name=self.role_name, overridden=self.overridden, default_limit=self.default_limit,
            procedures_in_order=lambda: procedures_in_order(book), yaml_text=yaml_text,
            situations=self.situations, limit_line=lambda rid: limit_line(book, book.rules[rid]),
            step_limits=lambda rids: step_limits(book, rids), company_label=company_label(book.company),
            sla_groups=self.sla_groups, any_overridden=bool(self.overrides.rules),
            search_tags=self.search_tags, first_week_days=lambda rid: first_week_days(book, rid),
            procedures_by_cadence=self.procedures_by_cadence, flowchart=lambda p: flowchart(book, p), num=num,
            say_en=self.say_en,
            cites=self.cites, review_due=self.review_due, STATUS_ZH=STATUS_ZH, SCRIPT_ZH=SCRIPT_ZH,
            documents_in_order=lambda: documents_in_order(book),
            code_groups=code_groups, codes_in=codes_in, code_examples=code_examples,
            kpi_target=self.kpi_target, kpi_default=self.kpi_default, kpi_company=self.kpi_company,
            kpi_company_any=bool(self.overrides.kpis or self.overrides.added_kpis), kpi_form=self.kpi_form,
            kpis_of=self.kpis_of, timetable=self.timetable,
        )

    def cites(self, item: Item, link: Links) -> list[tuple[str, list[tuple[str, str]]]]:
        """(《title》, [(section, href) ...]) for each document an item comes from."""
        return [(f"《{doc.title}》", [(doc.label(sec), link.section(doc, sec)) for sec in secs])
                for doc, secs in self.book.cited(item)]

    def review_due(self, item: Item) -> str | None:
        """The date an item was due for review, when that date has passed (else None)."""
        due = self.book.review_due(item, self.today)
        return due.isoformat() if due is not None and due <= self.today else None

    def say(self, script_id: str) -> str:
        return self.book.say(script_id)

    def say_en(self, script_id: str) -> str:
        return fill(self.book.scripts[script_id].en or "", self.book.company)

    def role_name(self, role_id: str) -> str:
        role = self.book.roles.get(role_id)
        return role.name if role else role_id

    def overridden(self, rule_id: str) -> bool:
        return rule_id in self.overrides.rules

    def default_limit(self, rule_id: str) -> Limit | None:
        return self.overrides.rules.get(rule_id)

    def kpi_target(self, kpi: Kpi) -> str:
        from kefu.report.kpi import show_target

        return show_target(kpi)

    def kpi_company(self, kpi_id: str) -> bool:
        """The company changed this KPI's target, or added the KPI."""
        return kpi_id in self.overrides.kpis or kpi_id in self.overrides.added_kpis

    def kpi_default(self, kpi_id: str) -> str:
        """The handbook's target a company's changed one replaced ("" for the company's own KPIs)."""
        from kefu.report.kpi import show_target

        target = self.overrides.kpis.get(kpi_id)
        kpi = self.book.kpis.get(kpi_id)
        if kpi is None or kpi_id not in self.overrides.kpis:
            return ""
        return show_target(replace(kpi, target=target)) if target is not None else "不设目标"

    def kpi_form(self, kpi: Kpi) -> Any:
        """The record form a KPI's numbers come from (the shift log, the incident report ...)."""
        from kefu.report.kpi import FORMS

        return self.book.forms.get(FORMS.get(kpi.of, ""))

    def kpis_of(self, procedure: Procedure) -> list[Kpi]:
        """The KPIs measured on the rules this procedure's steps keep (回访率 on the callback steps)."""
        used = {r for s in procedure.steps for r in s.rules}
        return [k for k in self.book.kpis.values() if k.enabled and used & set(k.rules)]

    def situations(self) -> list[tuple[str, list[Script]]]:
        """Scripts to say, grouped by situation in the model's order of situations."""
        groups: dict[str, list[Script]] = {}
        for s in self.book.scripts.values():
            if not s.never:
                groups.setdefault(s.situation, []).append(s)
        order = list(SITUATION_ZH)
        return sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))

    def timetable(self, role_id: str) -> Timetable:
        """A role's day from its routine: the timed tasks of each shift or day in clock order (a night
        shift's from its start, past midnight), the untimed ones, and the weekly, monthly ... rest."""
        role = self.book.roles[role_id]
        day = [t for t in role.routine if t.cadence in DAY_CADENCES]
        timed = [(t, clock_times(t.when)) for t in day]
        moments = sorted({m for _, times in timed for m in times})
        start = day_start(moments)
        rows = sorted(((t, times) for t, times in timed if times),
                      key=lambda x: min((m - start) % MINUTES for m in x[1]))
        out = Timetable(
            label="、".join(CADENCE_ZH[c] for c in DAY_CADENCES if any(t.cadence == c for t, _ in rows)),
            rows=[(_times_shown(t.when or "", min(times, key=lambda m: (m - start) % MINUTES) < start), t)
                  for t, times in rows],
            anytime=[t for t, times in timed if not times])
        for cadence, label in CADENCE_ZH.items():
            if cadence not in DAY_CADENCES:
                group = [t for t in role.routine if t.cadence == cadence]
                if group:
                    out.other.append((label, group))
        return out

    def procedures_by_cadence(self, role_id: str) -> list[tuple[str, list[Procedure]]]:
        """The role's procedures by how often it does them: those in its routine by cadence
        (每班, 每天 ...), those of its first week, then the rest as 需要时 (by title)."""
        role = self.book.roles[role_id]
        procs = {p.id: p for p in self.book.procedures_of(role_id)}
        out: list[tuple[str, list[Procedure]]] = []
        placed: set[str] = set()
        for cadence, label in CADENCE_ZH.items():
            ids = [t.procedure for t in role.routine if t.cadence == cadence and t.procedure in self.book.procedures]
            group = [self.book.procedures[i] for i in dict.fromkeys(ids) if i not in placed]
            if group:
                out.append((label, group))
                placed |= {p.id for p in group}
        first = [procs[i] for i in role.first_week if i in procs and i not in placed]
        if first:
            out.append(("第一周就要会", first))
            placed |= {p.id for p in first}
        rest = sorted((p for p in procs.values() if p.id not in placed), key=lambda p: p.title)
        if rest:
            out.append(("遇到时", rest))
        return out

    def search_tags(self, item: Any) -> markupsafe.Markup:
        """A page's search tags (Material ranks them above titles): keywords, category, names."""
        from kefu.site.search import tags

        words: list[str] = []
        if isinstance(item, list):  # a page about several things: their names
            words = [str(w) for w in item]
        elif isinstance(item, Procedure):
            words = [*item.keywords]
            cat = self.book.categories.get(item.category or "")
            if cat is not None and cat.id != "other":
                words += [cat.name, *cat.aliases]
        else:
            words = [getattr(item, "name", ""), *getattr(item, "aliases", [])]
        # JSON is YAML: the front matter stays valid whatever the words (escaped, not HTML)
        return markupsafe.Markup(json.dumps(tags(words), ensure_ascii=False))

    def sla_groups(self) -> list[tuple[str, str, list[Any]]]:
        """(key, label, rules) of the time-limit page, situations in GROUPS order, rules in file order."""
        groups = rule_groups(self.book)
        out = []
        for key, label in group_labels().items():
            rules = [r for r in self.book.rules.values() if groups.get(r.id) == key]
            if rules:
                out.append((key, label, rules))
        return out

    def render(self, page: SitePage) -> str:
        template = self.env.get_template(page.template)
        kinds: dict[str, dict[str, Any]] = {"role": self.book.roles, "procedure": self.book.procedures,
                                            "form": self.book.forms}
        context = {k: kinds[k].get(v.id, v) if k in kinds else v for k, v in page.context.items()}
        return template.render(page=page, link=Links(self.book, page.uri), **context)

    def render_home(self) -> str:
        return self.env.get_template("home.md.j2").render(link=Links(self.book, "index.md"))


def code_groups() -> list[tuple[str, str]]:
    """(group, title) of the finding codes' sources, known groups first (kefu.codes.GROUPS)."""
    from kefu import codes

    groups = {c.group for c in codes.load_all().values() if c.group != "internal"}
    return [(g, codes.GROUPS.get(g, g)) for g in [*codes.GROUPS, *sorted(groups - set(codes.GROUPS))]
            if g in groups]


def codes_in(group: str) -> list[Any]:
    """The catalogue's codes of one group, by id."""
    from kefu import codes

    return sorted((c for c in codes.load_all().values() if c.group == group), key=lambda c: c.id)


def code_examples(code: Any) -> list[tuple[str, str]]:
    """(variant, Chinese example message) of each template of a code, the default first."""
    from kefu import codes

    return [(variant, codes.example(code, variant)) for variant in code.templates]


def yaml_text(data: Any) -> str:
    """An example record as the YAML a supervisor would write."""
    return yaml.safe_dump(plain(data), allow_unicode=True, sort_keys=False, default_flow_style=False)


def redirect_html(target: str, title: str) -> str:
    """A page that forwards to ``target`` keeping ``#hash`` (for ``sla/#<rule-id>``)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    return env.get_template("redirect.html.j2").render(target=target, title=title)


def jieba_words(book: Handbook) -> list[str]:
    """Words jieba must keep whole: glossary terms and role names (with their aliases).

    Only these: a longer compound in the dictionary (业主投诉) hides its parts from
    search, because the browser matches query words as prefixes of indexed words.
    """
    words: list[str] = []
    for t in book.glossary.values():
        words += [t.term, *t.aliases]
    for r in book.roles.values():
        words += [r.name, *r.aliases]
    return sorted({w.strip() for w in words if w.strip() and not any(ch.isspace() for ch in w.strip())})


# --------------------------------------------------------------------------
# Model loading


def load_model(content: Path, company: Path | None) -> tuple[Handbook, Overrides]:
    """The linted model (kefu.load.require); a broken handbook fails the build with its findings."""
    try:
        book, findings = require(content, company)
    except HandbookError as exc:
        raise PluginError(str(exc)) from None
    for f in findings:
        log.info("kefu lint: %s", f.text())
    return book, company_overrides(content, company)


def company_overrides(content: Path, company: Path | None) -> Overrides:
    """What the company file changed, with the handbook's defaults of changed limits."""
    out = Overrides()
    if company is None:
        return out
    try:
        data = read_yaml(company)
        parsed: CompanyFile = from_data(CompanyFile, data, 0, str(company))
    except (LoadError, Exception) as exc:  # lint already reported a broken company file
        log.debug("company file not re-read: %s", exc)
        return out
    out.scripts = set(parsed.scripts)
    out.added_kpis = {k.id for k in parsed.add_kpis}
    if parsed.rules or any(k.target is not None for k in parsed.kpis.values()):
        from kefu.load import load_handbook

        with tempfile.TemporaryDirectory() as tmp:
            blank = Path(tmp) / "kefu.yaml"
            base = f"base: {parsed.base}\n" if parsed.base else ""  # the same layers, without the overrides
            blank.write_text(f"company: {{name: {json.dumps(parsed.company.name, ensure_ascii=False)}}}\n{base}",
                             encoding="utf-8")
            defaults, _ = load_handbook(content, blank)
        for rule_id in parsed.rules:
            rule = defaults.rules.get(rule_id)
            out.rules[rule_id] = rule.limit if rule else None
        for kpi_id, change in parsed.kpis.items():
            kpi = defaults.kpis.get(kpi_id)
            if change.target is not None and kpi is not None:
                out.kpis[kpi_id] = kpi.target
    return out


# --------------------------------------------------------------------------
# Vendored scripts: committed inside the package (``make vendor`` refreshes them from npm)


def vendored() -> dict[str, Path]:
    """The package's copies of the VENDOR files; a missing one is a broken install, said plainly."""
    out = {}
    for name, (spec, _member, _site_path) in VENDOR.items():
        target = VENDORED / name / Path(_site_path).name
        if not target.is_file():
            raise PluginError(f"kefu is installed without its vendored {spec} ({target}); "
                              "reinstall kefu, or run `make vendor` in a checkout")
        out[name] = target
    return out


# --------------------------------------------------------------------------
# The plugin (``plugins: [search, offline, kefu]`` in mkdocs.yml)


class KefuConfig(base.Config):  # type: ignore[no-untyped-call]  # mkdocs is untyped here
    """``content``: the company's content folder; ``config``: its company file (both beside mkdocs.yml)."""

    content = c.Optional(c.Type(str))
    config = c.Optional(c.Type(str))


def resolve_paths(config_file: str | None, content: str | None, company: str | None) -> tuple[Path, Path | None]:
    """Content folder and company file: the option, else KEFU_CONTENT / KEFU_CONFIG, else the defaults.

    Relative paths are read from mkdocs.yml's folder.  Default content is
    ``procedures/`` beside mkdocs.yml, else the handbook shipped in the package;
    the default company file is ``kefu.yaml`` beside mkdocs.yml, when there is one.
    """
    from kefu.load.handbook import CONFIG_NAME, SHIPPED

    base = Path(config_file or ".").resolve().parent
    chosen = content or os.environ.get("KEFU_CONTENT")
    if chosen:
        root = base / chosen
    elif (base / "procedures").is_dir():
        root = base / "procedures"
    else:
        root = SHIPPED
    chosen_cfg = company or os.environ.get("KEFU_CONFIG")
    if chosen_cfg:
        cfg: Path | None = base / chosen_cfg
    else:
        cfg = base / CONFIG_NAME if (base / CONFIG_NAME).is_file() else None
    return root, cfg


HOME_MARKER = "<!-- kefu:home -->"
#: pages whose text marks the glossary's terms (not the glossary itself, the sources' quotations,
#: the scripts, or the supervisors' code list)
MARKED_TEMPLATES = {"procedure.md.j2", "role.md.j2", "form.md.j2", "sla.md.j2", "kpis.md.j2", "categories.md.j2",
                    "incidents.md.j2", "evaluations.md.j2"}


class KefuPlugin(BasePlugin[KefuConfig]):  # type: ignore[no-untyped-call]
    """Generates every page but the home page from the model, and adds what the pages need.

    Registered as the ``kefu`` entry point of ``mkdocs.plugins``, so a company's
    mkdocs.yml names it and nothing else of kefu: the theme overrides, the
    stylesheet and the vendored scripts come from the installed package.
    """

    def __init__(self) -> None:
        super().__init__()
        self.book: Handbook | None = None
        self.overrides = Overrides()
        self.plan: list[SitePage] = []
        self.scripts: dict[str, Path] = {}
        self.paths: tuple[Path, Path | None] | None = None
        self.marker: Marker | None = None

    @event_priority(100)  # before the search plugin reads jieba_dict_user and offline adds its CDN shim
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        content, company = resolve_paths(config.config_file_path, self.config.content, self.config.config)
        self.paths = (content, company)
        book, overrides = load_model(content, company)
        self.book, self.overrides = book, overrides
        self.marker = None
        self.plan = page_plan(book)
        self.scripts = vendored()

        edition = converter(book.company)
        config.site_name = edition(f"{company_label(book.company)} 客服手册")
        config.nav = _converted(nav(book, self.plan), edition)
        config.extra["polyfills"] = [VENDOR["iframe-worker"][2], VENDOR["mermaid"][2]]
        if "assets/kefu.css" not in config.extra_css:
            config.extra_css.append("assets/kefu.css")
        for script in ("assets/kefu.js", "assets/kefu-query.js"):
            if script not in [str(x) for x in config.extra_javascript]:
                config.extra_javascript.append(script)
        config.extra["kefu_sample"] = is_sample(book.company)
        features = config.theme.get("features") or []
        if "content.tooltips" not in features:  # the glossary's explanations on marked terms (terms.py)
            config.theme["features"] = [*features, "content.tooltips"]
        overrides_dir = str(TEMPLATES / "overrides")
        if overrides_dir not in config.theme.dirs:  # after the company's own custom_dir, before the theme's
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, overrides_dir)

        words = cache_dir(config) / "jieba-user.txt"
        words.parent.mkdir(parents=True, exist_ok=True)
        words.write_text("".join(f"{edition(w)}\n" for w in jieba_words(book)), encoding="utf-8")
        search = config.plugins.get("material/search") or config.plugins.get("search")
        if search is not None:
            search.config["jieba_dict_user"] = str(words)
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        book = self.book
        assert book is not None, "on_config did not run"
        renderer = Renderer(book, self.overrides)
        edition = converter(book.company)
        for page in self.plan:
            files.append(File.generated(config, page.uri, content=edition(renderer.render(page))))
        for name, (_spec, _member, site_path) in VENDOR.items():
            files.append(File.generated(config, site_path, abs_src_path=str(self.scripts[name])))
        for asset in ("kefu.css", "kefu.js"):
            files.append(File.generated(config, f"assets/{asset}", abs_src_path=str(TEMPLATES / "assets" / asset)))
        files.append(File.generated(config, "sla/index.html", content=redirect_html("../sla.html", "时限一览")))
        from kefu.schema import dump, record_schema

        for form in book.forms.values():
            if form.kind == "record":
                files.append(File.generated(config, f"schemas/records/{form.id}.schema.json",
                                            content=dump(record_schema(form))))
        return files

    def on_page_content(self, html_text: str, page: MkPage, config: MkDocsConfig, files: Files) -> str:
        """Glossary terms explained where they are used (kefu.site.terms): on the pages that use them."""
        if self.book is None:
            return html_text
        planned = {p.uri: p for p in self.plan}.get(page.file.src_uri)
        if planned is None or planned.template not in MARKED_TEMPLATES:
            return html_text
        from kefu.site.terms import terms_of

        if self.marker is None:
            self.marker = Marker(terms_of(self.book, converter(self.book.company)))
        procedure = planned.context.get("procedure")
        about = [t.id for t in self.book.glossary.values() if procedure is not None and procedure.id in t.see]
        return self.marker.mark(html_text, skip=about)

    def on_page_markdown(self, markdown: str, page: MkPage, config: MkDocsConfig, files: Files) -> str:
        """The hand-written home page: fill {estate}/{company} and the model's lists."""
        if page.file.src_uri != "index.md" or self.book is None:
            return markdown
        book = self.book
        safe = fill(markdown, _escaped_company(book))
        return converter(book.company)(safe.replace(HOME_MARKER, Renderer(book, self.overrides).render_home()))

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        """``mkdocs serve`` rebuilds when the content folder or the company file changes."""
        if self.paths is not None:
            content, company = self.paths
            server.watch(str(content))
            if company is not None and company.is_file():
                server.watch(str(company))
        return server

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, config: MkDocsConfig) -> None:
        """The query segmenter from the built index; the printable checklists and forms the pages
        link to (unless KEFU_NO_PDF=1)."""
        if self.book is None:
            return
        from kefu.site.search import write_segmenter

        if (Path(config.site_dir) / "search" / "search_index.json").is_file():
            write_segmenter(Path(config.site_dir), self.book)
        if os.environ.get("KEFU_NO_PDF") == "1":
            return
        from kefu.printing.render import print_all

        out = Path(config.site_dir) / "print"
        written = print_all(self.book, out)
        log.info("kefu: %d PDF(s) in %s", len(written), out)


def _converted(entries: Any, edition: Any) -> Any:
    """The nav's titles in the company's edition (keys are titles, values paths or sub-lists)."""
    if isinstance(entries, list):
        return [_converted(e, edition) for e in entries]
    if isinstance(entries, dict):
        return {edition(k): _converted(v, edition) for k, v in entries.items()}
    return entries


def cache_dir(config: MkDocsConfig) -> Path:
    """Where the jieba word list goes: KEFU_CACHE, else .cache/ beside mkdocs.yml."""
    base = os.environ.get("KEFU_CACHE") or str(Path(config.config_file_path or ".").resolve().parent / ".cache")
    return Path(base) / "kefu-site"


def _escaped_company(book: Handbook) -> Any:
    from kefu.model import Estate

    c = book.company
    estates = [Estate(html.escape(e.name), html.escape(e.en) if e.en else None) for e in c.estates]
    return replace(c, name=html.escape(c.name), estates=estates)


__all__ = ["KefuPlugin"]
