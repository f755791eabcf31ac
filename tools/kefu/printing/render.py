"""Printable paper from the model: step checklists, blank forms and the trainer pack.

Trainers tick checklists while a new hire shadows a shift; the estate office
fills the blank forms in by hand.  Both are rendered from the :class:`Handbook`
(Jinja2 HTML in ``templates/print/`` -> WeasyPrint PDF), so a changed step,
script or limit changes the paper with it.  Nothing here knows a content
number: limits, labels, rows and maxima all come from the model.

``print_all`` is also called by the MkDocs hook on every rebuild, so it keeps
a hash of each PDF's HTML in ``DIR/.cache.json`` and skips what has not changed.

Speed (benchmarks/bench_print.py): each document is laid out once, on one of the
machine's cores; each core's documents are written as one PDF (a "sheet", so the
CJK face is subset and compressed once per core, not once per PDF) and cut into
the PDFs asked for; a pack is put together from its checklists' very pages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from kefu.findings import nearest
from kefu.model import Evaluation, Form, FormField, Handbook, Item, Procedure, Rule
from kefu.present import (
    company_label,
    first_week_days,
    group_labels,
    limit_line,
    paper_help,
    reader_copy,
    rule_groups,
    rules_used_by,
    step_limits,
)

TEMPLATES = Path(__file__).parent / "templates"
#: the one stylesheet of all paper: parsed once per process and given to every document,
#: not repeated in each page's HTML (parsing it again was a tenth of a checklist's time)
STYLESHEET = TEMPLATES / "print.css"
CACHE_NAME = ".cache.json"
PACK_ID = "trainer-pack"
#: the record form whose sheet is printed once per evaluation scheme (records.md)
INSPECTION_FORM = "inspection"
#: column keys of an inspection sheet's items table that the scheme fills in (records.md)
COMPONENT_KEY, MAX_KEY, LEVEL_KEY = "component", "max", "level"

KIND_ZH = {"daily": "日检", "weekly": "周检", "monthly": "月检", "spot": "抽检"}
#: layout, not content: the usable line width of an A4 page at the table font size, in em
#: (print.css: 210 mm - 2 x 15 mm margins at 9 pt), and what each kind of blank needs
LINE_EM = 52.0
#: the same for a landscape page (297 mm - 2 x 12 mm at 8 pt)
LANDSCAPE_EM = 96.0
WIDTH_EM = {"integer": 3.5, "number": 4.5, "time": 4.5, "date": 7.5, "datetime": 10.0,
            "boolean": 5.0, "string": 6.0, "text": 14.0, "list": 8.0, "mapping": 10.0, "score": 4.0}
BOX_EM = 2.5  # a tick box and the gap after its label
#: what fits on one side of a quick card
CARD_SCRIPTS, CARD_LIMITS, CARD_RULES = 8, 10, 6


class PrintError(Exception):
    """Bad input to printing: the CLI turns it into one line and exit code 2."""


class UnknownId(PrintError):
    """An id that is neither a procedure, a form nor the trainer pack."""

    def __init__(self, item_id: str, hint: str | None) -> None:
        near = f" (did you mean {hint}?)" if hint else ""
        super().__init__(f"unknown id '{item_id}': not a procedure or form id{near}")
        self.item_id = item_id
        self.hint = hint


# --------------------------------------------------------------------------
# Views: what a page shows, computed from the model so templates only lay it out.


@dataclass
class LimitView:
    """A rule as printed beside a step: its title and the limit (or standard)."""

    title: str
    text: str
    variants: list[str] = field(default_factory=list)
    timed: bool = True  # a time limit (printed large) rather than a standard in words
    kind: str = "时限"  # 时限 or 规定
    confirm: bool = False  # 待公司确认, as on the site
    deadline: bool = False  # the step's one deadline


@dataclass
class SayView:
    """Words to say on paper; ``example`` marks words the handbook wrote (示例说法)."""

    text: str
    example: bool = False


@dataclass
class StepView:
    number: int
    actor: str
    action: str
    says: list[SayView]
    limits: list[LimitView]
    form: str | None
    branches: list[str]
    note: str | None


@dataclass
class ChecklistView:
    id: str
    title: str
    roles: list[str]
    situation: str
    preconditions: list[str]
    steps: list[StepView]
    result: str
    reviewed: str = ""
    review_due: str | None = None  #: the date the page was due for review, once it has passed
    owner: str = ""
    version: str = ""


@dataclass
class Column:
    """A column of a printed table, with its share of the line width."""

    label: str
    kind: str
    choices: list[str]
    width: float = 0.0
    key: str = ""
    fill: str = ""  # on an inspection sheet: what the scheme prints here (component, max, level)
    codes: list[tuple[str, str]] = field(default_factory=list)  # (code, label) written instead of ticks


@dataclass
class TableView:
    """A ruled table; ``lines`` > 1 stacks a wide table's columns on several lines per row."""

    label: str
    help: str | None
    lines: list[list[Column]]
    rows: int
    tall: bool
    legend: list[str] = field(default_factory=list)  # 类别：报＝报修 …, for coded columns


@dataclass
class FieldView:
    label: str
    kind: str
    rows: int
    choices: list[str]
    help: str | None
    wide: bool
    parts: list[FieldView] = field(default_factory=list)


@dataclass
class GridView:
    """Short fields two (on a landscape page three) to a row, long ones across the page."""

    rows: list[list[FieldView]]
    per_row: int = 2


@dataclass
class SheetRow:
    name: str
    criteria: list[str]
    max: int
    procedures: list[str]


@dataclass
class SheetView:
    """An inspection sheet of one evaluation scheme."""

    title: str
    label: str
    roles: list[str]
    inspections: list[str]
    levels: list[str]
    level_labels: list[str]
    columns: list[Column]
    rows: list[SheetRow]
    total: int
    floor_zero: bool
    cascade: list[str]
    notes: list[str]


@dataclass
class FormPage:
    """One printed form page (an inspection form prints one per scheme)."""

    title: str
    purpose: str
    blocks: list[GridView | TableView]
    sheet: SheetView | None = None
    signatures: list[str] = field(default_factory=list)
    landscape: bool = False


@dataclass
class RuleRow:
    title: str
    applies_to: str
    start: str
    stop: str
    limit: str
    kind: str = "时限"
    confirm: bool = False
    basis: str = ""  # 按工作日 / 按日历时间
    group: str = ""
    source: str = ""  #: the documents and sections it comes from, as readers see them


def _role_name(book: Handbook, role_id: str) -> str:
    role = book.roles.get(role_id)
    return role.name if role else role_id


def _say(book: Handbook, script_id: str) -> str:
    """The script's words, or its id when the content does not (yet) define it."""
    return book.say(script_id) if script_id in book.scripts else script_id


def _say_view(book: Handbook, script_id: str) -> SayView:
    script = book.scripts.get(script_id)
    return SayView(_say(book, script_id), bool(script and script.origin == "written" and not script.never))


def source_text(book: Handbook, item: Item) -> str:
    """Where an item comes from, by document title and section (本手册编写 when it cites none)."""
    cited = "；".join(doc.cite(secs) for doc, secs in book.cited(item))
    if item.origin == "written":
        return f"{cited}（本手册编写）" if cited else "本手册编写"
    return cited or "公司文件"


def limit_view(book: Handbook, rule: Rule, deadline: bool = False) -> LimitView:
    """The rule as the site shows it: one line per case (一般 3 个工作日 / 紧急 1 个工作日)."""
    line = limit_line(book, rule)
    if not line.enabled:
        text = "本公司不适用"
    else:
        text = line.text if line.cases else (rule.target or "")
    estates = [f"{estate}：{value}" for estate, value in line.estates]
    return LimitView(line.title, text, estates, bool(line.cases), line.kind, line.confirm, deadline)


def checklist_view(book: Handbook, proc: Procedure, today: dt.date | None = None) -> ChecklistView:
    steps = []
    for n, s in enumerate(proc.steps, 1):
        first, _rest = step_limits(book, s.rules)
        limits = [limit_view(book, book.rules[r], first is not None and r == first.rule_id)
                  for r in s.rules if r in book.rules]
        limits.sort(key=lambda v: not v.deadline)
        form = book.forms[s.form].title if s.form and s.form in book.forms else s.form
        branches = []
        for b in s.branches:
            goto = f"（转第 {b.step} 步）" if b.step else ""
            if b.procedure:
                other = book.procedures.get(b.procedure)
                goto += f"（按《{other.title if other else b.procedure}》）"
            said = [_say_view(book, x) for x in b.say]
            says = "".join(f"{'示例说法' if v.example else '说'}：“{v.text}”" for v in said)
            branches.append(f"{b.when}：{b.then}{goto}{says}")
        steps.append(StepView(n, _role_name(book, s.actor), s.action, [_say_view(book, x) for x in s.say],
                              limits, form, branches, s.note))
    version = hashlib.sha256(repr(proc).encode()).hexdigest()[:6]
    today = today or book.company.today()
    due = book.review_due(proc, today)
    return ChecklistView(proc.id, proc.title, [_role_name(book, r) for r in proc.roles], proc.situation,
                         proc.preconditions, steps, proc.result, reviewed=proc.reviewed,
                         owner=_role_name(book, proc.owner) if proc.owner else "", version=version,
                         review_due=due.isoformat() if due is not None and due <= today else None)


def _need(f: FormField) -> float:
    """Width in em a blank needs: its label, or its tick boxes, or a typical handwritten value."""
    label = len(f.label) + 1.0
    if f.choices:
        return max(label, sum(len(c.label) + BOX_EM for c in f.choices))
    return max(label, WIDTH_EM.get(f.type, WIDTH_EM["string"]))


def _column(f: FormField) -> Column:
    return Column(f.label, "boolean" if f.type == "boolean" else ("enum" if f.choices else f.type),
                  [c.label for c in f.choices], _need(f), f.key)


def codes(labels: list[str]) -> list[tuple[str, str]]:
    """Short codes to write in a narrow column: each label's first character when they differ, else 1, 2, 3."""
    firsts = [label[:1] for label in labels]
    if len(set(firsts)) == len(firsts):
        return list(zip(firsts, labels, strict=True))
    return [(str(n), label) for n, label in enumerate(labels, 1)]


def _coded(c: Column) -> Column:
    """An enum column that writes a code instead of ticking boxes, so a table fits on one line."""
    if c.kind not in ("enum", "boolean"):
        return c
    labels = c.choices if c.kind == "enum" else ["是", "否"]
    pairs = codes(labels) if c.kind == "enum" else [("✓", "是")]
    return Column(c.label, "code", [], max(len(c.label) + 1.0, BOX_EM + 1), c.key, codes=pairs)


def pack(columns: list[Column], line_em: float = LINE_EM) -> list[list[Column]]:
    """Columns in lines no wider than the page, widths as percentages of their line."""
    lines: list[list[Column]] = []
    used = line_em + 1
    for c in columns:
        width = min(c.width, line_em)
        if used + width > line_em:
            lines.append([])
            used = 0.0
        lines[-1].append(c)
        used += width
    for line in lines:
        total = sum(min(c.width, line_em) for c in line)
        for c in line:
            c.width = round(100 * min(c.width, line_em) / total, 2)
    return lines


def table_view(f: FormField, line_em: float = LINE_EM) -> TableView:
    """A ruled table; too wide for one line, its choice columns take codes (legend above)
    before its columns are stacked on several lines per row."""
    fields = [c for c in f.fields if c.paper]
    cols = [_column(c) for c in fields] or [Column(f.label, "string", [], WIDTH_EM["string"])]
    legend: list[str] = []
    if sum(min(c.width, line_em) for c in cols) > line_em:
        cols = [_coded(c) for c in cols]
        legend = [f"{c.label}：" + "　".join(f"{code}＝{label}" for code, label in c.codes)
                  for c in cols if c.kind == "code" and len(c.codes) > 1]
    wide = line_em > LINE_EM  # a landscape page: one written line per entry, the rest to the text columns
    if wide:
        spare = line_em - sum(c.width for c in cols if c.kind != "text")
        texts = [c for c in cols if c.kind == "text"]
        for c in texts:
            c.width = max(c.width, spare / len(texts))
    return TableView(f.label, paper_help(f.help), pack(cols, line_em), f.rows,
                     tall=not wide and any(c.type == "text" for c in fields), legend=legend)


def _table_need(f: FormField) -> float:
    """Width in em of a table's one line with its choice columns coded."""
    return sum(_coded(_column(c)).width for c in f.fields if c.paper)


def grid(views: list[FieldView | TableView], per_row: int = 2) -> list[GridView | TableView]:
    """Pair consecutive short fields so a form does not waste half of every line."""
    out: list[GridView | TableView] = []
    for v in views:
        if isinstance(v, TableView):
            out.append(v)
            continue
        last = out[-1] if out else None
        if not isinstance(last, GridView):
            last = GridView([], per_row)
            out.append(last)
        rows = last.rows
        if not v.wide and rows and len(rows[-1]) < per_row and not rows[-1][0].wide:
            rows[-1].append(v)
        else:
            rows.append([v])
    return out


def plain_view(f: FormField) -> FieldView:
    """A field written on lines (a mapping's keys each get their own)."""
    kind = "boolean" if f.type == "boolean" else ("enum" if f.choices else f.type)
    parts = [plain_view(p) for p in f.fields if p.paper] if f.type == "mapping" else []
    wide = f.rows > 1 or f.type in ("text", "mapping", "table") or _need(f) > LINE_EM / 3
    return FieldView(f.label, kind, max(f.rows, 2 if f.type == "text" else 1),
                     [c.label for c in f.choices], paper_help(f.help), wide, parts)


def field_view(f: FormField, line_em: float = LINE_EM) -> FieldView | TableView:
    return table_view(f, line_em) if f.type == "table" else plain_view(f)


def sheet_view(book: Handbook, form: Form, ev: Evaluation) -> SheetView:
    table = next((f for f in form.fields if f.type == "table"), None)
    if table and table.fields:
        cols = [_column(c) for c in table.fields]
    else:
        cols = [Column("考评项目", "string", [], 0, COMPONENT_KEY), Column("满分", "integer", [], 0, MAX_KEY),
                Column("扣分", "integer", [], 0), Column("得分", "integer", [], 0)]
    wide = {COMPONENT_KEY: LINE_EM / 3, LEVEL_KEY: sum(len(lv.label) + BOX_EM for lv in ev.levels) / 2}
    for c in cols:
        c.fill = c.key if c.key in (COMPONENT_KEY, MAX_KEY, LEVEL_KEY) else ""
    if not any(c.fill == LEVEL_KEY for c in cols):  # the levels are part of the scheme: always give them room
        at = next((i + 1 for i, c in enumerate(cols) if c.fill == MAX_KEY), len(cols))
        cols.insert(at, Column("违规等级", "enum", [], 0, LEVEL_KEY, fill=LEVEL_KEY))
    for c in cols:
        c.width = wide.get(c.fill, max(len(c.label) + 1.0, WIDTH_EM.get(c.kind, WIDTH_EM["string"])))
    (line,) = pack(cols, line_em=sum(c.width for c in cols))  # one line, however wide
    inspections = [f"{KIND_ZH.get(i.kind, i.kind)}：{_role_name(book, i.by)}" for i in ev.inspections]
    levels = [f"{lv.label} 每项扣 {lv.min}–{lv.max} 分" if lv.min != lv.max else f"{lv.label} 每项扣 {lv.min} 分"
              for lv in ev.levels]
    rows = [SheetRow(c.name, c.criteria, c.max,
                     [book.procedures[p].title for p in c.procedures if p in book.procedures])
            for c in ev.components]
    names = {c.id: c.name for c in ev.components}
    cascade = [f"{c.cause}：连带扣“{names.get(c.component, c.component)}”" for c in ev.cascade]
    return SheetView(ev.title, table.label if table else "考评项目", [_role_name(book, r) for r in ev.roles],
                     list(dict.fromkeys(inspections)),
                     levels, [lv.label for lv in ev.levels], line, rows, sum(c.max for c in ev.components),
                     ev.floor_zero, cascade, ev.notes)


def form_pages(book: Handbook, form: Form, role: str | None = None) -> list[FormPage]:
    """The pages of a blank form: one, or one per scheme for an inspection sheet (only the
    scheme of ``role`` when given).  A record table too wide for a portrait line but not for
    a landscape one turns the page, so every entry is one handwritten line."""
    schemes: list[tuple[str, Evaluation]] = []
    if form.evaluation and form.evaluation in book.evaluations:
        schemes = [("", book.evaluations[form.evaluation])]
    elif form.id == INSPECTION_FORM:
        if role is not None:
            ev = book.evaluation_of(role)
            schemes = [(_role_name(book, role), ev)] if ev else []
        else:
            schemes = [("", ev) for ev in book.evaluations.values()]
    # an enum with one allowed value (the record's `form: shift-log` marker) says nothing on paper
    fields = [f for f in form.fields if f.paper and not (f.type == "enum" and len(f.choices) == 1)]
    if not schemes:
        tables = [f for f in fields if f.type == "table"]
        landscape = any(LINE_EM < _table_need(t) <= LANDSCAPE_EM for t in tables)
        width = LANDSCAPE_EM if landscape else LINE_EM
        return [FormPage(form.title, form.purpose, grid([field_view(f, width) for f in fields], 3 if landscape else 2),
                         signatures=form.signatures, landscape=landscape)]
    plain = grid([field_view(f) for f in fields if f.type != "table"])
    out = []
    for who, ev in schemes:
        title = form.title if form.evaluation else f"{form.title}：{who or ev.title}"
        out.append(FormPage(title, form.purpose, plain, sheet_view(book, form, ev), signatures=form.signatures))
    return out


def rule_rows(book: Handbook, rule_ids: list[str] | None = None) -> list[RuleRow]:
    """The time-limit table: rules grouped by situation as on the site, with what starts and
    stops each clock, its limit per case, and the same 待公司确认 flag."""
    groups = rule_groups(book)
    labels = group_labels()
    order = list(labels)
    wanted = [book.rules[r] for r in rule_ids if r in book.rules] if rule_ids is not None else list(book.rules.values())
    wanted.sort(key=lambda r: order.index(groups.get(r.id, order[-1])))
    out = []
    for r in wanted:
        lv = limit_view(book, r)
        basis = ""
        if r.limit is not None:
            basis = "按工作日" if r.limit.unit == "working_days" else "按日历时间"
        limit = "；".join([lv.text, *lv.variants]) if lv.variants else lv.text
        out.append(RuleRow(lv.title, r.applies_to, r.start_zh or "", r.stop_zh or "", limit, lv.kind,
                           lv.confirm, basis, labels.get(groups.get(r.id, ""), ""), source_text(book, r)))
    return out


# --------------------------------------------------------------------------
# HTML


def environment() -> jinja2.Environment:
    """Autoescaped, and strict: a typo in a template is an error, not a blank on paper."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


def _common(book: Handbook) -> dict[str, Any]:
    return {"company": company_label(book.company), "estate": book.company.estate}


def checklist_html(book: Handbook, proc: Procedure, env: jinja2.Environment | None = None,
                   view: ChecklistView | None = None) -> str:
    env = env or environment()
    return env.get_template("checklist.html.j2").render(c=view or checklist_view(book, proc), **_common(book))


def form_html(book: Handbook, form: Form, env: jinja2.Environment | None = None, role: str | None = None) -> str:
    env = env or environment()
    return env.get_template("form.html.j2").render(form=form, pages=form_pages(book, form, role), **_common(book))


@dataclass
class PackPlan:
    """A trainer pack: its front pages, the checklists it prints (each once), its time-limit table."""

    roles: list[dict[str, Any]]
    checklists: list[ChecklistView]
    rules: list[RuleRow]
    whole: bool


def pack_plan(book: Handbook, role_id: str | None = None, views: dict[str, ChecklistView] | None = None) -> PackPlan:
    """One role's first week (``role_id``), or every role's with each checklist once
    (``views``: the checklists' views already made, shared by all packs)."""
    roles: list[dict[str, Any]] = []
    order: list[str] = []
    for role in book.roles.values():
        if role_id is not None and role.id != role_id:
            continue
        ids = [p for p in role.first_week if p in book.procedures]
        if ids:
            roles.append({"id": role.id, "name": role.name, "summary": role.summary, "ids": ids,
                          "days": first_week_days(book, role.id)})
            order += [p for p in ids if p not in order]
    views = views or {}
    checklists = [views.get(pid) or checklist_view(book, book.procedures[pid]) for pid in order]
    used = list(dict.fromkeys(rid for pid in order for s in book.procedures[pid].steps for rid in s.rules))
    return PackPlan(roles, checklists, rule_rows(book, used if role_id is not None else None), role_id is None)


def pack_part_html(book: Handbook, plan: PackPlan, part: str, env: jinja2.Environment,
                   pages: dict[str, int] | None = None) -> str:
    """The front (cover, contents, first week) or the time-limit table of a pack, as its own
    document; ``pages`` gives each checklist's first page and the table's for the contents."""
    return env.get_template("trainer-pack.html.j2").render(
        part=part, roles=plan.roles, checklists=plan.checklists, rules=plan.rules, whole=plan.whole,
        titles={c.id: c.title for c in plan.checklists}, pages=pages or {}, **_common(book))


def pack_html(book: Handbook, env: jinja2.Environment | None = None, role_id: str | None = None,
              plan: PackPlan | None = None, checklists: dict[str, str] | None = None) -> str:
    """All the HTML a pack is made of (what its cache digest is taken of): its front, the
    very checklists it prints (``checklists``: their HTML by id, when already made), its table."""
    env = env or environment()
    plan = plan or pack_plan(book, role_id)
    made = checklists or {}
    return "\n".join([pack_part_html(book, plan, "front", env)]
                     + [made.get(c.id) or checklist_html(book, book.procedures[c.id], env, c) for c in plan.checklists]
                     + [pack_part_html(book, plan, "sla", env)])


def card_html(book: Handbook, role_id: str, env: jinja2.Environment | None = None) -> str:
    """A one-page quick card: the words and limits this role uses most."""
    env = env or environment()
    role = book.roles[role_id]
    says = [book.say(s.id) for s in book.scripts_of(role_id)][:CARD_SCRIPTS]
    rules = [limit_view(book, book.rules[r]) for r in rules_used_by(book, role_id)]
    timed = [v for v in rules if v.kind == "时限"][:CARD_LIMITS]
    standing = [v for v in rules if v.kind == "规定"][:CARD_RULES]
    return env.get_template("card.html.j2").render(role=role, says=says, timed=timed, standing=standing,
                                                   **_common(book))


# --------------------------------------------------------------------------
# Jobs, cache and rendering


@dataclass
class Job:
    """One PDF to write: where, and how to make its HTML."""

    rel: str
    kind: str
    item_id: str


@dataclass
class PrintReport:
    """All PDFs asked for, those rendered this time, and how long each took."""

    paths: list[Path] = field(default_factory=list)
    rendered: list[Path] = field(default_factory=list)
    seconds: dict[Path, float] = field(default_factory=dict)
    cpu: dict[Path, float] = field(default_factory=dict)  #: the same in CPU seconds (other work on the cores aside)


def jobs(book: Handbook, ids: list[str] | None = None) -> list[Job]:
    """Which PDFs to make; unknown ids raise :class:`UnknownId` before anything is written."""
    every = ([Job(f"checklists/{p}.pdf", "procedure", p) for p in book.procedures]
             + [Job(f"forms/{f}.pdf", "form", f) for f in book.forms]
             + [Job(f"{PACK_ID}.pdf", "pack", PACK_ID)]
             + [Job(f"{PACK_ID}s/{r.id}.pdf", "role-pack", r.id) for r in book.roles.values()
                if any(p in book.procedures for p in r.first_week)]
             + [Job(f"cards/{r.id}.pdf", "card", r.id) for r in book.roles.values() if book.procedures_of(r.id)])
    if INSPECTION_FORM in book.forms:
        every += [Job(f"forms/{INSPECTION_FORM}/{r.id}.pdf", "sheet", r.id) for r in book.roles.values()
                  if book.evaluation_of(r.id)]
    if ids is None:
        return every
    known = {j.item_id for j in every if j.kind in ("procedure", "form", "pack")}
    for item_id in ids:
        if item_id not in known:
            raise UnknownId(item_id, nearest(item_id, sorted(known)))
    wanted = set(ids)
    # a role's pack, card and sheet come with the whole pack, or with the role's id
    return [j for j in every if (j.item_id in wanted and j.kind in ("procedure", "form", "pack"))
            or (j.kind in ("role-pack", "card", "sheet") and (PACK_ID in wanted or j.item_id in wanted))]


def job_html(book: Handbook, job: Job, env: jinja2.Environment) -> str:
    if job.kind == "procedure":
        return checklist_html(book, book.procedures[job.item_id], env)
    if job.kind == "form":
        return form_html(book, book.forms[job.item_id], env)
    if job.kind == "sheet":
        return form_html(book, book.forms[INSPECTION_FORM], env, role=job.item_id)
    if job.kind == "role-pack":
        return pack_html(book, env, role_id=job.item_id)
    if job.kind == "card":
        return card_html(book, job.item_id, env)
    return pack_html(book, env)


def _digest(html: str, css: str) -> str:
    """What a PDF is made of: WeasyPrint's version, the stylesheet and the page's HTML."""
    import weasyprint

    return hashlib.sha256(f"{weasyprint.__version__}\0{css}\0{html}".encode()).hexdigest()


def _read_cache(out: Path) -> dict[str, str]:
    try:
        data = json.loads((out / CACHE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: a server never sees half a PDF."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # open() keeps the umask's mode
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_FONTS: list[Any] = []
#: the company's edition (kefu.variant): simplified text to what the paper prints, set by render()
_EDITION: list[Any] = []
#: the parsed stylesheet, for the edition it was converted with (its page footers are words)
_CSS: dict[Any, Any] = {}


def _stylesheet() -> Any:
    """print.css parsed once per edition (its 第 … 页 footer is converted like the pages)."""
    import weasyprint

    edition = _EDITION[0] if _EDITION else None
    if edition not in _CSS:
        text = STYLESHEET.read_text(encoding="utf-8")
        _CSS.clear()
        _CSS[edition] = weasyprint.CSS(string=edition(text) if edition else text, base_url=str(TEMPLATES),
                                       font_config=_FONTS[0])
    return _CSS[edition]


def layout(html: str) -> Any:
    """Lay out one HTML string as A4 pages (a WeasyPrint document).

    One font configuration and one parsed stylesheet for the whole run: the faces are loaded
    and print.css is parsed once per process, not once per document."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    if not _FONTS:
        _FONTS.append(FontConfiguration())
    if _EDITION:
        html = _EDITION[0](html)  # a traditional-Chinese edition: converted as the page is laid out
    return weasyprint.HTML(string=html, base_url=str(TEMPLATES)).render(
        stylesheets=[_stylesheet()], font_config=_FONTS[0])


def _marks(doc: Any) -> list[Any]:
    """A laid-out document's bookmarks (its headings) as plain lists: title, page, left, top, children."""
    def plain(tree: list[Any]) -> list[Any]:
        return [[label, page, x, y, plain(children)] for label, (page, x, y), children, _state in tree]

    return plain(doc.make_bookmark_tree(scale=0.75, transform_pages=True))  # PDF points, origin bottom left


def _marks_of(reader: Any, outline: list[Any]) -> list[Any]:
    """The bookmarks of a PDF on disk, in the same plain lists as :func:`_marks`."""
    out: list[Any] = []
    for item in outline:
        if isinstance(item, list):  # pypdf lists an item's children right after it
            if out:
                out[-1][4].extend(_marks_of(reader, item))
            continue
        page = reader.get_destination_page_number(item)
        out.append([str(item.title), page, float(item.left or 0), float(item.top or 0), []])
    return out


@dataclass
class Span:
    """Where a laid-out document's pages are: a sheet (or a PDF already on disk), from ``start``."""

    path: str
    start: int
    count: int
    title: str = ""
    lang: str = ""
    marks: list[Any] = field(default_factory=list)
    sheet: bool = True  #: False for a PDF of its own, which carries its own copy of the face


def file_span(path: Path) -> Span:
    """A PDF written by an earlier run, to take pages from."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    title = reader.metadata.title if reader.metadata and reader.metadata.title else ""
    lang = str(reader.root_object.get("/Lang", ""))
    return Span(str(path), 0, len(reader.pages), str(title), lang, _marks_of(reader, reader.outline), sheet=False)


def assemble(parts: list[Span], title: str, lang: str, readers: dict[str, Any] | None = None) -> bytes:
    """One PDF made of other PDFs' pages, bookmarks, title and language.

    Pages taken from one sheet share its embedded face: a pack of twenty checklists carries
    the face once per sheet it draws on, not once per checklist."""
    from io import BytesIO

    import weasyprint
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import Fit, NameObject, TextStringObject

    readers = {} if readers is None else readers
    writer = PdfWriter()

    def mark(items: list[Any], offset: int, parent: Any = None) -> None:
        for label, page, x, y, children in items:
            item = writer.add_outline_item(title=label, page_number=offset + page, parent=parent,
                                           fit=Fit.xyz(x, y, 0))
            mark(children, offset, item)

    at = 0
    for span in parts:
        if span.path not in readers:
            readers[span.path] = PdfReader(span.path)
        pages = readers[span.path].pages
        for n in range(span.start, span.start + span.count):
            writer.add_page(pages[n])
        mark(span.marks, at)
        at += span.count
    if not all(span.sheet for span in parts):
        # checklists from an earlier run, each a PDF of its own: those cut from one sheet carry
        # the very same face, kept once (a rebuilt pack stays near the size of a fresh one);
        # each pass merges one level: the face's data, then its descriptor, then the font
        for _ in range(3):
            writer.compress_identical_objects()
    writer.add_metadata({"/Title": title, "/Producer": f"WeasyPrint {weasyprint.__version__}"})
    if lang:
        writer.root_object[NameObject("/Lang")] = TextStringObject(lang)
    data = BytesIO()
    writer.write(data)
    return data.getvalue()


Clock = tuple[float, float]  #: seconds, wall and CPU


def _now() -> Clock:
    return time.perf_counter(), time.process_time()


def _since(start: Clock) -> Clock:
    wall, cpu = _now()
    return wall - start[0], cpu - start[1]


def _plus(*clocks: Clock) -> Clock:
    return sum(c[0] for c in clocks), sum(c[1] for c in clocks)


#: pages of a pack's front (cover with contents, then the first week or the roles' map)
FRONT_PAGES = 2
#: what the workers render from, set before they fork: the handbook, and each part's HTML
_WORK: dict[str, Any] = {}


class Sheet:
    """One process's laid-out documents, written as ONE PDF and cut into the PDFs asked for.

    Most of writing a PDF is fixed cost: WeasyPrint subsets and compresses the CJK face
    for every PDF it writes (about 0.05 s).  A sheet pays it once for all the documents a
    process lays out; pypdf then cuts each PDF out of it, and a pack takes its checklists'
    very pages, so it embeds the face once per sheet it draws on instead of once per part.
    Nothing is laid out twice: a checklist shared by eight packs is laid out and painted
    once."""

    def __init__(self, path: Path, freeze: bool = False) -> None:
        self.path = path
        self.freeze = freeze  #: in a worker process, which ends with the run
        self.docs: dict[str, Any] = {}
        self.seconds: dict[str, Clock] = {}
        self.readers: dict[str, Any] = {}

    def lay_out(self, items: list[tuple[str, Any]]) -> dict[str, int]:
        """Lay out each ``(key, front)``: a document's HTML from ``_WORK``, or with ``front`` =
        ``(role_id, {checklist id: pages})`` a pack's front, numbered for the pages that follow it."""
        counts = {}
        for key, front in items:
            start = _now()
            doc = self._front(*front) if front is not None else layout(_WORK["html"][key])
            self.docs[key] = doc
            if self.freeze:  # the laid-out pages stay to the end: the collector need not walk them again
                gc.freeze()
            self.seconds[key] = _since(start)
            counts[key] = len(doc.pages)
        return counts

    def _front(self, role_id: str | None, counts: dict[str, int]) -> Any:
        """A pack's cover, contents and first week, whose page numbers count its own length:
        guessed, then laid out again only when the guess was wrong."""
        book = _WORK["book"]
        plan = pack_plan(book, role_id, _WORK.get("views"))
        env = _WORK.setdefault("env", environment())
        length = FRONT_PAGES
        for _ in range(3):
            pages: dict[str, int] = {}
            at = length + 1
            for c in plan.checklists:
                pages[c.id] = at
                at += counts[c.id]
            pages["sla"] = at
            doc = layout(pack_part_html(book, plan, "front", env, pages))
            if len(doc.pages) == length:
                break
            length = len(doc.pages)
        return doc

    def finish(self, items: list[tuple[str, Any]]) -> tuple[dict[str, Span], dict[str, Clock]]:
        """Lay the last ``items`` out, then :meth:`write`."""
        self.lay_out(items)
        return self.write()

    def write(self) -> tuple[dict[str, Span], dict[str, Clock]]:
        """Write the sheet, then cut out of it each document that is a PDF of its own (a pack's
        front and table wait for the pack); where every document's pages are, and its seconds."""
        if not self.docs:
            return {}, {}
        start = _now()
        docs = list(self.docs.items())
        targets = {key: Path(_WORK["targets"][key]) for key, _d in docs if key in _WORK["targets"]}
        if len(docs) == 1 and docs[0][0] in targets:  # one document: WeasyPrint writes it where it goes
            key, doc = docs[0]
            _write_atomic(targets[key], doc.write_pdf())
            self.seconds[key] = _plus(self.seconds[key], _since(start))
            return ({key: Span(str(targets[key]), 0, len(doc.pages), doc.metadata.title or "",
                               doc.metadata.lang or "", _marks(doc), sheet=False)}, dict(self.seconds))
        docs[0][1].copy([p for _k, d in docs for p in d.pages]).write_pdf(self.path)
        spent = _since(start)
        total = sum(len(d.pages) for _k, d in docs)
        spans, at = {}, 0
        for key, doc in docs:
            n = len(doc.pages)
            spans[key] = Span(str(self.path), at, n, doc.metadata.title or "", doc.metadata.lang or "", _marks(doc))
            # painting is per page, and so is the face's share
            self.seconds[key] = _plus(self.seconds[key], (spent[0] * n / total, spent[1] * n / total))
            at += n
        for key, target in targets.items():
            start = _now()
            span = spans[key]
            _write_atomic(target, assemble([span], span.title, span.lang, self.readers))
            self.seconds[key] = _plus(self.seconds[key], _since(start))
        return spans, dict(self.seconds)

    def assemble(self, packs: list[tuple[str, list[Span]]]) -> dict[str, Clock]:
        """Write each ``(target, parts)``: a pack of pages already written; its seconds."""
        seconds = {}
        for target, parts in packs:
            start = _now()
            _write_atomic(Path(target), assemble(parts, parts[0].title, parts[0].lang, self.readers))
            seconds[target] = _since(start)
        return seconds


def _serve(conn: Any, path: Path) -> None:
    """A worker: one sheet, driven by the parent one method call at a time."""
    import traceback

    sheet = Sheet(path, freeze=True)
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the parent is gone
            break
        if message is None:
            break
        name, args = message
        try:
            conn.send((True, getattr(sheet, name)(*args)))
        except BaseException:  # the parent raises it, with the worker's traceback
            conn.send((False, traceback.format_exc()))
    conn.close()


class Crew:
    """``n`` sheets: in worker processes (forked, so they share the HTML), or this process's own."""

    def __init__(self, n: int, folder: Path) -> None:
        self.sheets: list[Sheet] = []
        self.pipes: list[Any] = []
        self.procs: list[Any] = []
        if n <= 1:
            self.sheets = [Sheet(folder / "sheet-0.pdf")]
            return
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        for i in range(n):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(child, folder / f"sheet-{i}.pdf"), daemon=True)
            proc.start()
            child.close()
            self.pipes.append(parent)
            self.procs.append(proc)

    @property
    def size(self) -> int:
        return len(self.sheets) or len(self.pipes)

    def call(self, name: str, args: list[tuple[Any, ...] | None]) -> list[Any]:
        """``name(*args[i])`` on sheet i, all at once; None where ``args[i]`` is None."""
        if self.sheets:
            return [getattr(self.sheets[0], name)(*a) if a is not None else None for a in args]
        for pipe, a in zip(self.pipes, args, strict=True):
            if a is not None:
                pipe.send((name, a))
        results: list[Any] = []
        for pipe, a in zip(self.pipes, args, strict=True):
            if a is None:
                results.append(None)
                continue
            ok, value = pipe.recv()
            if not ok:
                raise RuntimeError(f"a print worker failed:\n{value}")
            results.append(value)
        return results

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):  # a worker that died has nothing to be told
                pipe.send(None)
        for proc in self.procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
        self.pipes, self.procs = [], []


def deal(items: list[Any], cost: Any, loads: list[float]) -> list[list[Any]]:
    """Items to ``len(loads)`` hands, largest first to the least loaded (``loads`` is updated)."""
    hands: list[list[Any]] = [[] for _ in loads]
    for item in sorted(items, key=lambda i: -cost(i)):
        i = min(range(len(loads)), key=loads.__getitem__)
        hands[i].append(item)
        loads[i] += cost(item)
    return hands


def workers() -> int:
    """Processes to render with: the cores this process may use (KEFU_PRINT_WORKERS overrides)."""
    wanted = os.environ.get("KEFU_PRINT_WORKERS")
    if wanted and wanted.isdigit():
        return max(1, int(wanted))
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


PACKS = ("pack", "role-pack")


def render(book: Handbook, out: Path, ids: list[str] | None = None, force: bool = False) -> PrintReport:
    """Write the PDFs; skip those whose HTML hash matches DIR/.cache.json and whose file exists.

    Every document to print is laid out once, spread over the machine's cores (one
    :class:`Sheet` per core, each written as one PDF); the packs are then put together from
    those pages, a checklist this run did not change taken from its PDF on disk.  Raises
    :class:`UnknownId` for a bad id and :class:`OSError` for an unwritable DIR, both before
    any PDF is rendered.
    """
    import tempfile

    todo = jobs(book, ids)
    if any(j.kind in PACKS for j in todo):  # a pack is made of the checklists' pages
        have = {j.rel for j in todo}
        todo = [j for j in jobs(book) if j.kind == "procedure" and j.rel not in have] + todo
    todo = [j for j in todo if j.kind not in PACKS] + [j for j in todo if j.kind in PACKS]
    book = reader_copy(book)  # paper shows labels, never record keys
    out = Path(out)
    for sub in {(out / j.rel).parent for j in todo} | {out}:
        sub.mkdir(parents=True, exist_ok=True)
    probe = out / CACHE_NAME
    cache = _read_cache(out)
    _write_atomic(probe, json.dumps(cache, ensure_ascii=False, indent=1).encode())
    from kefu.variant import config_of, converter

    _EDITION[:] = [converter(book.company)]
    edition = config_of(book.company) or ""
    html, plans = _html(book, todo)
    report = PrintReport(paths=[out / j.rel for j in todo])
    css = STYLESHEET.read_text(encoding="utf-8")
    digests = {j.rel: _digest(html[j.rel] + edition, css) for j in todo}
    batch = [j for j in todo if force or cache.get(j.rel) != digests[j.rel] or not (out / j.rel).is_file()]
    if not batch:
        return _finish(report, out, ids, book)
    docs = [j for j in batch if j.kind not in PACKS]
    packs = [j for j in batch if j.kind in PACKS]
    _WORK.update(book=book, html=html, targets={j.rel: str(out / j.rel) for j in docs},
                 views={c.id: c for p in plans.values() for c in p.checklists})
    # a pack's contents print its checklists' page numbers: those are laid out first
    early = {j.rel for j in docs if packs and j.kind == "procedure"}
    first: list[tuple[str, Any]] = [(j.rel, None) for j in docs if j.rel in early]
    rest = [(j.rel, None) for j in docs if j.rel not in early] + [(f"{j.rel}#sla", None) for j in packs]
    with tempfile.TemporaryDirectory(prefix="kefu-print-") as folder:
        crew = Crew(min(workers(), len(first) + len(rest)), Path(folder))
        try:
            loads = [0.0] * crew.size
            counts: dict[str, int] = {}
            for part in crew.call("lay_out", [(h,) if h else None for h in deal(first, _cost, loads)]):
                counts.update(part or {})
            spans: dict[str, Span] = {}
            fronts = []
            for j in packs:
                pages = {}
                for c in plans[j.rel].checklists:
                    rel = f"checklists/{c.id}.pdf"
                    if rel not in counts:  # not rendered this run: its PDF from an earlier one
                        spans.setdefault(rel, file_span(out / rel))
                        counts[rel] = spans[rel].count
                    pages[c.id] = counts[rel]
                fronts.append((f"{j.rel}#front", (j.item_id if j.kind == "role-pack" else None, pages)))
            seconds: dict[str, Clock] = {}
            for result in crew.call("finish", [(h,) for h in deal(rest + fronts, _cost, loads)]):
                spans.update(result[0])
                seconds.update(result[1])
            _store(report, cache, digests, out, docs, seconds, probe)
            if packs:
                made = [(str(out / j.rel), [spans[f"{j.rel}#front"]]
                         + [spans[f"checklists/{c.id}.pdf"] for c in plans[j.rel].checklists]
                         + [spans[f"{j.rel}#sla"]]) for j in packs]
                done: dict[str, Clock] = {}
                hands = deal(made, lambda m: sum(s.count for s in m[1]), [0.0] * crew.size)
                for result in crew.call("assemble", [(h,) if h else None for h in hands]):
                    done.update(result or {})
                for j in packs:
                    seconds[j.rel] = _plus(done[str(out / j.rel)], seconds[f"{j.rel}#front"], seconds[f"{j.rel}#sla"])
                _store(report, cache, digests, out, packs, seconds, probe)
        finally:
            crew.close()
            _WORK.clear()  # a serving site keeps this process: drop the run's HTML and handbook
    return _finish(report, out, ids, book)


def _html(book: Handbook, todo: list[Job]) -> tuple[dict[str, str], dict[str, PackPlan]]:
    """Each job's HTML, and a pack's front and table as ``REL#front`` and ``REL#sla``; each
    checklist's view and HTML made once, for itself and for every pack that prints it."""
    env = environment()
    views = {j.item_id: checklist_view(book, book.procedures[j.item_id]) for j in todo if j.kind == "procedure"}
    html: dict[str, str] = {}
    plans: dict[str, PackPlan] = {}
    made: dict[str, str] = {}
    for job in todo:
        if job.kind == "procedure":
            html[job.rel] = made[job.item_id] = checklist_html(book, book.procedures[job.item_id], env,
                                                                views[job.item_id])
        elif job.kind in PACKS:
            plan = plans[job.rel] = pack_plan(book, job.item_id if job.kind == "role-pack" else None, views)
            html[job.rel] = pack_html(book, env, plan=plan, checklists=made)
            html[f"{job.rel}#front"] = pack_part_html(book, plan, "front", env)  # only its size, to share work
            html[f"{job.rel}#sla"] = pack_part_html(book, plan, "sla", env)
        else:
            html[job.rel] = job_html(book, job, env)
    return html, plans


#: seconds to lay out a character of HTML, relative to a checklist's (measured on the shipped handbook)
COST = {"checklists": 1.0, "forms": 1.3, "cards": 1.8, "#sla": 1.5, "#front": 2.0}


def _cost(item: tuple[str, Any]) -> float:
    """What laying a part out costs, near enough to share the work: its HTML's length, by kind."""
    key = item[0]
    kind = key[key.index("#"):] if "#" in key else key.split("/", 1)[0]
    return len(_WORK["html"][key]) * COST.get(kind, 1.3)


def _store(report: PrintReport, cache: dict[str, str], digests: dict[str, str], out: Path, done: list[Job],
           seconds: dict[str, Clock], probe: Path) -> None:
    """Record written PDFs in the report and the cache (saved at once: a later failure keeps them)."""
    for job in done:
        target = out / job.rel
        report.seconds[target], report.cpu[target] = seconds[job.rel]
        report.rendered.append(target)
        cache[job.rel] = digests[job.rel]
    _write_atomic(probe, json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True).encode())


def _finish(report: PrintReport, out: Path, ids: list[str] | None, book: Handbook) -> PrintReport:
    """Only the PDFs asked for (the checklists a pack needed are not named unless asked for)."""
    wanted = {out / j.rel for j in jobs(book, ids)}
    report.paths = [p for p in report.paths if p in wanted]
    report.rendered = [p for p in report.paths if p in set(report.rendered)]
    return report


def print_all(book: Handbook, out: Path, ids: list[str] | None = None) -> list[Path]:
    """Every requested PDF under ``out`` (checklists/, forms/, trainer-pack.pdf), unchanged ones kept.

    Called by ``kefu print`` and by the site's MkDocs hook (on_post_build).
    """
    return render(book, Path(out), ids).paths
