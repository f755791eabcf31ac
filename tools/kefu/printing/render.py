"""Printable paper from the model: step checklists, blank forms and the trainer pack.

Trainers tick checklists while a new hire shadows a shift; the estate office
fills the blank forms in by hand.  Both are rendered from the :class:`Handbook`
(Jinja2 HTML in ``templates/print/`` -> WeasyPrint PDF), so a changed step,
script or limit changes the paper with it.  Nothing here knows a content
number: limits, labels, rows and maxima all come from the model.

``print_all`` is also called by the MkDocs hook on every rebuild, so it keeps
a hash of each PDF's HTML in ``DIR/.cache.json`` and skips what has not changed.
"""

from __future__ import annotations

import datetime as dt
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

TEMPLATES = Path(__file__).parent / "templates"
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
WIDTH_EM = {"integer": 3.5, "number": 4.5, "time": 4.5, "date": 7.5, "datetime": 10.0,
            "boolean": 5.0, "string": 6.0, "text": 14.0, "list": 8.0, "mapping": 10.0, "score": 4.0}
BOX_EM = 2.5  # a tick box and the gap after its label


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
    anchor: str = ""
    reviewed: str = ""
    review_due: str | None = None  #: the date the page was due for review, once it has passed


@dataclass
class Column:
    """A column of a printed table, with its share of the line width."""

    label: str
    kind: str
    choices: list[str]
    width: float = 0.0
    key: str = ""
    fill: str = ""  # on an inspection sheet: what the scheme prints here (component, max, level)


@dataclass
class TableView:
    """A ruled table; ``lines`` > 1 stacks a wide table's columns on several lines per row."""

    label: str
    help: str | None
    lines: list[list[Column]]
    rows: int
    tall: bool


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
    """Short fields two to a row, long ones across the page."""

    rows: list[list[FieldView]]


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


@dataclass
class RuleRow:
    title: str
    applies_to: str
    start: str
    stop: str
    limit: str
    source: str  #: the documents and sections it comes from, as readers see them


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


def limit_view(book: Handbook, rule: Rule) -> LimitView:
    text = rule.limit.zh() if rule.limit else (rule.target or "")
    variants = [f"{v.label or book.variant_label(v.when)}：{v.limit.zh()}" for v in rule.variants]
    return LimitView(rule.heading(), text, variants, rule.limit is not None)


def checklist_view(book: Handbook, proc: Procedure, today: dt.date | None = None) -> ChecklistView:
    steps = []
    for n, s in enumerate(proc.steps, 1):
        limits = [limit_view(book, book.rules[r]) for r in s.rules if r in book.rules]
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
    today = today or book.company.today()
    due = book.review_due(proc, today)
    return ChecklistView(proc.id, proc.title, [_role_name(book, r) for r in proc.roles], proc.situation,
                         proc.preconditions, steps, proc.result, reviewed=proc.reviewed,
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


def table_view(f: FormField) -> TableView:
    cols = [_column(c) for c in f.fields] or [Column(f.label, "string", [], WIDTH_EM["string"])]
    return TableView(f.label, f.help, pack(cols), f.rows,
                     tall=any(c.type == "text" for c in f.fields))


def grid(views: list[FieldView | TableView]) -> list[GridView | TableView]:
    """Pair consecutive short fields so a form does not waste half of every line."""
    out: list[GridView | TableView] = []
    for v in views:
        if isinstance(v, TableView):
            out.append(v)
            continue
        last = out[-1] if out else None
        if not isinstance(last, GridView):
            last = GridView([])
            out.append(last)
        rows = last.rows
        if not v.wide and rows and len(rows[-1]) == 1 and not rows[-1][0].wide:
            rows[-1].append(v)
        else:
            rows.append([v])
    return out


def plain_view(f: FormField) -> FieldView:
    """A field written on lines (a mapping's keys each get their own)."""
    kind = "boolean" if f.type == "boolean" else ("enum" if f.choices else f.type)
    parts = [plain_view(p) for p in f.fields] if f.type == "mapping" else []
    wide = f.rows > 1 or f.type in ("text", "list", "mapping", "table") or _need(f) > LINE_EM / 3
    return FieldView(f.label, kind, max(f.rows, 2 if f.type == "text" else 1),
                     [c.label for c in f.choices], f.help, wide, parts)


def field_view(f: FormField) -> FieldView | TableView:
    return table_view(f) if f.type == "table" else plain_view(f)


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
    return SheetView(ev.title, table.label if table else "考评项目", [_role_name(book, r) for r in ev.roles], list(dict.fromkeys(inspections)),
                     levels, [lv.label for lv in ev.levels], line, rows, sum(c.max for c in ev.components),
                     ev.floor_zero, cascade, ev.notes)


def form_pages(book: Handbook, form: Form) -> list[FormPage]:
    """The pages of a blank form: one, or one per scheme for an inspection sheet."""
    schemes: list[Evaluation] = []
    if form.evaluation and form.evaluation in book.evaluations:
        schemes = [book.evaluations[form.evaluation]]
    elif form.id == INSPECTION_FORM:
        schemes = list(book.evaluations.values())
    # an enum with one allowed value (the record's `form: shift-log` marker) says nothing on paper
    fields = [f for f in form.fields if not (f.type == "enum" and len(f.choices) == 1)]
    if not schemes:
        return [FormPage(form.title, form.purpose, grid([field_view(f) for f in fields]))]
    plain = grid([field_view(f) for f in fields if f.type != "table"])
    return [FormPage(form.title if form.evaluation else f"{form.title}：{ev.title}", form.purpose, plain,
                     sheet_view(book, form, ev)) for ev in schemes]


def rule_rows(book: Handbook) -> list[RuleRow]:
    """The SLA table: every rule, what starts and stops its clock, its limit, where it comes from."""
    out = []
    for r in book.rules.values():
        lv = limit_view(book, r)
        limit = "；".join([lv.text] + lv.variants) if lv.text else "；".join(lv.variants)
        out.append(RuleRow(r.heading(), r.applies_to, r.start_zh or r.start or "", r.stop_zh or r.stop or "",
                           limit, source_text(book, r)))
    return out


# --------------------------------------------------------------------------
# HTML


def environment() -> jinja2.Environment:
    """Autoescaped, and strict: a typo in a template is an error, not a blank on paper."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


def _common(book: Handbook) -> dict[str, Any]:
    return {"company": book.company.name, "estate": book.company.estate}


def checklist_html(book: Handbook, proc: Procedure, env: jinja2.Environment | None = None) -> str:
    env = env or environment()
    return env.get_template("checklist.html.j2").render(c=checklist_view(book, proc), **_common(book))


def form_html(book: Handbook, form: Form, env: jinja2.Environment | None = None) -> str:
    env = env or environment()
    return env.get_template("form.html.j2").render(form=form, pages=form_pages(book, form), **_common(book))


def pack_html(book: Handbook, env: jinja2.Environment | None = None) -> str:
    env = env or environment()
    roles = []
    for role in book.roles.values():
        lists = []
        for pid in role.first_week:
            if pid in book.procedures:
                view = checklist_view(book, book.procedures[pid])
                view.anchor = f"{role.id}--{pid}"
                lists.append(view)
        if lists:
            roles.append({"id": role.id, "name": role.name, "summary": role.summary, "checklists": lists})
    return env.get_template("trainer-pack.html.j2").render(roles=roles, rules=rule_rows(book), **_common(book))


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


def jobs(book: Handbook, ids: list[str] | None = None) -> list[Job]:
    """Which PDFs to make; unknown ids raise :class:`UnknownId` before anything is written."""
    every = ([Job(f"checklists/{p}.pdf", "procedure", p) for p in book.procedures]
             + [Job(f"forms/{f}.pdf", "form", f) for f in book.forms]
             + [Job(f"{PACK_ID}.pdf", "pack", PACK_ID)])
    if ids is None:
        return every
    known = {j.item_id for j in every}
    for item_id in ids:
        if item_id not in known:
            raise UnknownId(item_id, nearest(item_id, sorted(known)))
    wanted = set(ids)
    return [j for j in every if j.item_id in wanted]


def job_html(book: Handbook, job: Job, env: jinja2.Environment) -> str:
    if job.kind == "procedure":
        return checklist_html(book, book.procedures[job.item_id], env)
    if job.kind == "form":
        return form_html(book, book.forms[job.item_id], env)
    return pack_html(book, env)


def _digest(html: str) -> str:
    import weasyprint

    return hashlib.sha256(f"{weasyprint.__version__}\0{html}".encode()).hexdigest()


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


def write_pdf(html: str, target: Path) -> None:
    """Render one HTML string to an A4 PDF (fonts embedded and subset by WeasyPrint)."""
    import weasyprint

    pdf = weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    assert pdf is not None
    _write_atomic(target, pdf)


def render(book: Handbook, out: Path, ids: list[str] | None = None, force: bool = False) -> PrintReport:
    """Write the PDFs; skip those whose HTML hash matches DIR/.cache.json and whose file exists.

    Raises :class:`UnknownId` for a bad id and :class:`OSError` for an unwritable DIR,
    both before any PDF is rendered.
    """
    todo = jobs(book, ids)
    out = Path(out)
    for sub in {(out / j.rel).parent for j in todo} | {out}:
        sub.mkdir(parents=True, exist_ok=True)
    probe = out / CACHE_NAME
    cache = _read_cache(out)
    _write_atomic(probe, json.dumps(cache, ensure_ascii=False, indent=1).encode())
    env = environment()
    report = PrintReport()
    for job in todo:
        target = out / job.rel
        html = job_html(book, job, env)
        digest = _digest(html)
        report.paths.append(target)
        if not force and cache.get(job.rel) == digest and target.is_file():
            continue
        start = time.perf_counter()
        write_pdf(html, target)
        report.seconds[target] = time.perf_counter() - start
        cache[job.rel] = digest
        report.rendered.append(target)
        _write_atomic(probe, json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True).encode())
    return report


def print_all(book: Handbook, out: Path, ids: list[str] | None = None) -> list[Path]:
    """Every requested PDF under ``out`` (checklists/, forms/, trainer-pack.pdf), unchanged ones kept.

    Called by ``kefu print`` and by the site's MkDocs hook (on_post_build).
    """
    return render(book, Path(out), ids).paths
