"""The handbook as one typed model.

Every view of kefu -- ``kefu lint``, the site pages, the printed checklists,
the JSON Schemas and ``kefu check`` -- reads these dataclasses and nothing
else.  The YAML in ``procedures/`` uses the field names below as keys; the
JSON Schemas in ``schemas/`` are generated from these type hints
(:mod:`kefu.schema`), so the model is the one place where a content format
is defined.

Dataclasses rather than pydantic: the model is read-only data built once per
run, the converter in :func:`from_data` keeps the line of every item for
findings, and the package stays light enough to start in milliseconds for
``kefu check`` on thousands of files.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Union

Unit = Literal["minutes", "hours", "days", "working_days"]
Severity = Literal["error", "warning"]
Cadence = Literal["daily", "weekly", "monthly", "quarterly", "yearly", "spot", "shift"]
ScriptSituation = Literal[
    "phone", "visit", "complaint", "apology", "hold", "transfer", "closing", "address",
    "inquiry", "repair", "suggestion", "incident", "online", "move", "fees", "survey", "general",
]
FieldType = Literal[
    "string", "text", "integer", "number", "boolean", "time", "date", "datetime",
    "enum", "list", "table", "mapping", "score",
]

UNIT_ZH = {"minutes": "分钟", "hours": "小时", "days": "天", "working_days": "个工作日"}
UNIT_EN = {"minutes": "min", "hours": "h", "days": "d", "working_days": "working days"}


def doc(text: str, **extra: Any) -> dict[str, Any]:
    """Field metadata: the description that ends up in the JSON Schema."""
    return {"doc": text, **extra}


INTERNAL = {"internal": True}


Origin = Literal["document", "written"]
SectionStatus = Literal["covered", "lost", "contradictory", "not-for-handbook"]
PeriodUnit = Literal["days", "months", "years"]


@dataclass
class Source:
    """One section of a source document that states what an item says."""

    seed: str = field(metadata=doc("source document number, e.g. \"001\"", pattern=r"^00[0-4]$"))
    section: str = field(metadata=doc("a section's ref (or heading) in that document's source map"))
    note: str | None = field(default=None, metadata=doc("what of the item this section gives, when not all of it"))
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class Limit:
    """A time limit: a value and its unit (calendar time or working days)."""

    value: float = field(metadata=doc("how many units", minimum=0))
    unit: Unit = field(metadata=doc("minutes, hours, days (24 h) or working_days (end 23:59)"))

    def zh(self) -> str:
        value = int(self.value) if float(self.value).is_integer() else self.value
        return f"{value} {UNIT_ZH[self.unit]}"

    def en(self) -> str:
        value = int(self.value) if float(self.value).is_integer() else self.value
        return f"{value} {UNIT_EN[self.unit]}"

    def delta(self) -> _dt.timedelta:
        """Calendar length; working days are counted by :mod:`kefu.check.workdays`."""
        if self.unit == "working_days":
            raise ValueError("working days depend on the calendar")
        scale = {"minutes": 60, "hours": 3600, "days": 86400}[self.unit]
        return _dt.timedelta(seconds=float(self.value) * scale)


@dataclass
class Item:
    """Common to every top-level content item: id, origin and file position."""

    id: str = field(metadata=doc("unique kebab-case id within its kind", pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$"))
    sources: list[Source] = field(default_factory=list, metadata=doc(
        "every document section that states what this item says; [] only for origin: written"))
    origin: Origin = field(default="document", metadata=doc(
        "document: the facts or words come from the cited sections; written: the handbook wrote it"))
    origin_note: str | None = field(default=None, metadata=doc(
        "one line: what the handbook wrote and why (required when origin is written)"))
    company_set: bool = field(default=False, metadata=doc(
        "true when the documents lost or never gave this value and kefu chose a default the company must confirm"))
    company_set_reason: str | None = field(default=None, metadata=doc(
        "one line: what the documents say and why this default"))
    path: str = field(default="", metadata=INTERNAL)
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class Routine:
    """One recurring task of a role."""

    cadence: Cadence = field(metadata=doc("how often"))
    task: str = field(metadata=doc("what to do"))
    when: str | None = field(default=None, metadata=doc("time of day or day of month, e.g. \"08:30\" or \"每月 5 日前\""))
    procedure: str | None = field(default=None, metadata=doc("procedure id carried out"))
    company_set: bool = False
    company_set_reason: str | None = None
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class Role(Item):
    """A job in the customer-service department (客服中心)."""

    name: str = field(default="", metadata=doc("Chinese job title, e.g. 客服助理"))
    aliases: list[str] = field(default_factory=list, metadata=doc("other titles used in the seeds"))
    reports_to: str | None = field(default=None, metadata=doc("role id of the direct superior"))
    supervises: list[str] = field(default_factory=list, metadata=doc("role ids supervised"))
    liaises_with: list[str] = field(default_factory=list, metadata=doc("departments worked with (工程部 ...)"))
    summary: str = field(default="", metadata=doc("one paragraph: what this job is for"))
    duties: list[str] = field(default_factory=list, metadata=doc("duties, each an instruction"))
    authority: list[str] = field(default_factory=list, metadata=doc("what the role may decide (权限)"))
    routine: list[Routine] = field(default_factory=list, metadata=doc("daily/weekly/monthly routine"))
    first_week: list[str] = field(default_factory=list, metadata=doc(
        "procedure ids a new hire in this role learns first, in order"))


@dataclass
class Branch:
    """What to do when a step does not go the usual way."""

    when: str = field(metadata=doc("the condition, e.g. 业主不满意"))
    then: str = field(metadata=doc("what to do"))
    procedure: str | None = field(default=None, metadata=doc("procedure id to continue with"))
    step: int | None = field(default=None, metadata=doc("step number (1-based) of this procedure to go to"))
    say: list[str] = field(default_factory=list, metadata=doc("script ids to say"))
    company_set: bool = False
    company_set_reason: str | None = None
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class Step:
    """One numbered step of a procedure."""

    actor: str = field(metadata=doc("role id of who does it"))
    action: str = field(metadata=doc("what to do, as an instruction"))
    say: list[str] = field(default_factory=list, metadata=doc("script ids to say at this step"))
    rules: list[str] = field(default_factory=list, metadata=doc("rule ids that time or check this step"))
    form: str | None = field(default=None, metadata=doc("form id filled in at this step"))
    branches: list[Branch] = field(default_factory=list, metadata=doc("exceptions and alternatives"))
    note: str | None = field(default=None, metadata=doc("why, or a tip"))
    company_set: bool = False
    company_set_reason: str | None = None
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class Procedure(Item):
    """A procedure (作业规程): who does what, in which order, saying what, by when."""

    title: str = field(default="", metadata=doc("Chinese title, e.g. 业主投诉受理"))
    category: str | None = field(default=None, metadata=doc("service category id"))
    situation: str = field(default="", metadata=doc("when this applies, as the user meets it (业主来电投诉)"))
    roles: list[str] = field(default_factory=list, metadata=doc("role ids who carry it out, lead first"))
    owner: str = field(default="", metadata=doc("role id responsible for keeping this page right"))
    reviewed: str = field(default="", metadata=doc("last review date YYYY-MM-DD", pattern=r"^\d{4}-\d{2}-\d{2}$"))
    preconditions: list[str] = field(default_factory=list, metadata=doc("what must be ready before starting"))
    steps: list[Step] = field(default_factory=list, metadata=doc("numbered steps in order", minItems=1))
    result: str = field(default="", metadata=doc("what is true when it is done"))
    forms: list[str] = field(default_factory=list, metadata=doc("form ids used (besides those named in steps)"))
    related: list[str] = field(default_factory=list, metadata=doc("related procedure ids"))
    keywords: list[str] = field(default_factory=list, metadata=doc("words staff search for"))


@dataclass
class Script(Item):
    """A phrase to say (or never to say) in a situation."""

    situation: ScriptSituation = field(default="general", metadata=doc("where it is used"))
    when: str = field(default="", metadata=doc("the moment to say it"))
    text: str = field(default="", metadata=doc("the words; {estate} and {company} come from the company file"))
    en: str | None = field(default=None, metadata=doc("English version where the seed asks for both"))
    never: bool = field(default=False, metadata=doc("true for a phrase never to say"))
    instead: str | None = field(default=None, metadata=doc("for never-say phrases: script id to say instead"))
    why: str | None = field(default=None, metadata=doc("why this wording"))


#: ``when`` of a rule or variant: entry field -> a value or a list of values (any of them)
When = dict[str, Any]


@dataclass
class Variant:
    """A limit that replaces the rule's own when its ``when`` matches (first match wins)."""

    when: When = field(metadata=doc("entry field -> value or list of values, e.g. {urgency: urgent}"))
    limit: Limit = field(metadata=doc("the limit in this case"))
    label: str | None = field(default=None, metadata=doc("the case in Chinese (紧急); default: from the form's labels"))
    company_set: bool = False
    company_set_reason: str | None = None
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class Rule(Item):
    """A time limit or a checkable rule (时限 / 规定).

    A rule with ``form``, ``start`` (or ``agreed``), ``stop`` and ``limit`` is a
    *timed rule*: kefu check applies it with one generic engine
    (:mod:`kefu.check.timed`), whether the handbook or a company file declares it.
    Rules that are not "a stop within a limit after a start" (handover, order of
    events, ...) are implemented once in :mod:`kefu.check.rules`; the rest are
    explained on the site only.
    """

    title: str = field(default="", metadata=doc(
        "short Chinese title; {limit} is replaced by the limit in force (投诉受理后 {limit}内录入 CRM)"))
    form: str | None = field(default=None, metadata=doc("record form the checker applies it to (shift-log ...)"))
    applies_to: str = field(default="", metadata=doc("which items, in words (投诉、建议 ...)"))
    when: When = field(default_factory=dict, metadata=doc(
        "which items: entry field -> value or list of values (enum keys or Chinese labels); none: all"))
    start: str | None = field(default=None, metadata=doc("record field that starts the clock"))
    stop: str | None = field(default=None, metadata=doc("record field that stops the clock"))
    agreed: str | None = field(default=None, metadata=doc(
        "field holding a time agreed with the owner: the deadline when written (and, with start and "
        "limit, it must itself fall within the limit)"))
    agreed_required: bool = field(default=False, metadata=doc(
        "the agreed time must be written when the item is received"))
    excuse: str | None = field(default=None, metadata=doc(
        "a text field that, when filled in, excuses a late stop (why, and that the owner was told)"))
    start_zh: str | None = field(default=None, metadata=doc("what starts the clock, in words"))
    stop_zh: str | None = field(default=None, metadata=doc("what stops the clock, in words"))
    limit: Limit | None = field(default=None, metadata=doc("the time limit; none for rules without one"))
    variants: list[Variant] = field(default_factory=list, metadata=doc(
        "other limits under a condition, first match wins, e.g. urgent complaints 1 working day"))
    target: str | None = field(default=None, metadata=doc("a rate or standard, e.g. 回访率 100%"))
    severity: Severity = field(default="error", metadata=doc("severity of a breach in kefu check"))
    enabled: bool = field(default=True, metadata=doc("false: the company does not apply this rule"))
    explain: str = field(default="", metadata=doc("handbook text: what the rule asks and why"))
    #: "handbook" or "company" (declared in the company file's add_rules)
    added_by: str = field(default="handbook", metadata=INTERNAL)
    #: the handbook's limit before the company file changed it (None: unchanged or no limit)
    default_limit: Limit | None = field(default=None, metadata=INTERNAL)
    #: kefu check applies this rule to records (a timed rule, or one implemented in code)
    checked: bool = field(default=False, metadata=INTERNAL)

    @property
    def timed(self) -> bool:
        """Checked by the generic engine: a clock between two fields of a record form."""
        return bool(self.form and self.stop and (self.start or self.agreed) and (self.limit or self.agreed))

    def heading(self) -> str:
        """The title with the limit in force (a company's 1 h shows as 1 小时, not the default 2)."""
        if "{limit}" not in self.title:
            return self.title
        return self.title.replace("{limit}", self.limit.zh() if self.limit else "")

    def limit_for(self, matches: Callable[[When], bool]) -> Limit | None:
        """The limit of the first variant whose ``when`` matches, else the rule's own."""
        for v in self.variants:
            if matches(v.when):
                return v.limit
        return self.limit


@dataclass
class Choice:
    """An allowed value of an enumerated field, with its Chinese label and aliases."""

    value: str = field(metadata=doc("the key written in records (English)"))
    label: str = field(metadata=doc("Chinese label, also accepted in records"))
    aliases: list[str] = field(default_factory=list, metadata=doc("other accepted spellings"))


@dataclass
class FormField:
    """One field of a form."""

    key: str = field(metadata=doc("key in records (English)"))
    label: str = field(metadata=doc("Chinese label printed on the form"))
    type: FieldType = field(default="string", metadata=doc("value type"))
    required: bool = field(default=False, metadata=doc("must be present"))
    choices: list[Choice] = field(default_factory=list, metadata=doc("allowed values for enum fields"))
    items: FieldType | None = field(default=None, metadata=doc("item type for list fields"))
    fields: list[FormField] = field(default_factory=list, metadata=doc("columns of a table / keys of a mapping"))
    help: str | None = field(default=None, metadata=doc("how to fill it in"))
    rows: int = field(default=1, metadata=doc("handwriting lines on the blank paper form", minimum=1))
    min_items: int | None = field(default=None, metadata=doc("least number of list items"))
    default: str | None = field(default=None, metadata=doc(
        "value a missing enum field means (records.md: urgency normal, validity valid); rules' `when` uses it"))
    paper: bool = field(default=True, metadata=doc(
        "false: written in record files only, not a column or box on the blank paper form"))
    line: int = field(default=0, metadata=INTERNAL)

    def choice(self, text: str) -> Choice | None:
        """The choice named by its value, Chinese label or an alias."""
        for c in self.choices:
            if text == c.value or text == c.label or text in c.aliases:
                return c
        return None


@dataclass
class Form(Item):
    """A form: a record kefu check reads, or a paper form the office fills by hand."""

    title: str = field(default="", metadata=doc("Chinese title printed on the form"))
    kind: Literal["record", "paper"] = field(default="paper", metadata=doc(
        "record: a filled-in YAML record kefu check reads; paper: a blank form to print"))
    purpose: str = field(default="", metadata=doc("what it is for and who fills it in"))
    fields: list[FormField] = field(default_factory=list, metadata=doc("fields in order", minItems=1))
    example: dict[str, Any] | None = field(default=None, metadata=doc("a filled-in example record"))
    evaluation: str | None = field(default=None, metadata=doc("evaluation id whose scheme this sheet prints"))
    signatures: list[str] = field(default_factory=list, metadata=doc(
        "who signs the paper form, e.g. 交班人, 接班人: a signature line each"))

    def label_of(self, key: str) -> str:
        """The Chinese label of a field or choice anywhere in the form (录入 CRM 时间), else the key."""
        return next((label for k, label in self._labelled() if k == key), key)

    def field(self, key: str) -> FormField | None:
        """The field ``key`` anywhere in the form, first in form order (a month's report asks per item)."""
        return self._by_key.get(key)

    @functools.cached_property
    def _by_key(self) -> dict[str, FormField]:
        """Top-level fields before nested ones (a record's ``at`` before its handover's)."""
        out: dict[str, FormField] = {}
        level = list(self.fields)
        while level:
            for f in level:
                out.setdefault(f.key, f)
            level = [child for f in level for child in f.fields]
        return out

    def labels(self) -> dict[str, str]:
        """Key -> label of every field and choice, the first in form order (the checker keeps one per run)."""
        out: dict[str, str] = {}
        for key, label in self._labelled():
            out.setdefault(key, label)
        return out

    def _labelled(self) -> typing.Iterator[tuple[str, str]]:
        for f in _walk(self.fields):
            yield f.key, f.label
            for c in f.choices:
                yield c.value, c.label


@dataclass
class Level:
    """A deduction level (一般违规 / 严重违规 / 引起不良后果) and its points."""

    id: Literal["general", "serious", "consequence"] = field(metadata=doc("level id"))
    label: str = field(metadata=doc("Chinese label"))
    min: int = field(metadata=doc("least points deducted per finding", minimum=0))
    max: int = field(metadata=doc("most points deducted per finding", minimum=0))
    company_set: bool = False
    company_set_reason: str | None = None
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class Component:
    """A scored component of an evaluation (e.g. 交接班质量, 15 points)."""

    id: str = field(metadata=doc("component id, kebab-case"))
    name: str = field(metadata=doc("Chinese name as printed on the sheet"))
    max: int = field(metadata=doc("points", minimum=0))
    criteria: list[str] = field(default_factory=list, metadata=doc("what the inspector looks at"))
    procedures: list[str] = field(default_factory=list, metadata=doc("procedure ids this component checks"))
    company_set: bool = False
    company_set_reason: str | None = None
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class Inspection:
    """Who inspects a role how often."""

    kind: Literal["daily", "weekly", "monthly", "spot"] = field(metadata=doc("日检 / 周检 / 月检 / 抽检"))
    by: str = field(metadata=doc("role id of the inspector"))
    note: str | None = None
    company_set: bool = False
    company_set_reason: str | None = None
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class Cascade:
    """A deduction that also hits another component (the manager's 连带扣分)."""

    cause: str = field(metadata=doc("what caused the breach (培训未到位 ...)"))
    component: str = field(metadata=doc("component id that is also deducted"))
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class Evaluation(Item):
    """A 100-point performance scheme for a role (绩效考评)."""

    title: str = field(default="", metadata=doc("Chinese title"))
    roles: list[str] = field(default_factory=list, metadata=doc("role ids scored with this scheme", minItems=1))
    inspections: list[Inspection] = field(default_factory=list, metadata=doc("cadence and inspector"))
    components: list[Component] = field(default_factory=list, metadata=doc("components; maxima sum to 100", minItems=1))
    levels: list[Level] = field(default_factory=list, metadata=doc("deduction levels", minItems=1))
    cascade: list[Cascade] = field(default_factory=list, metadata=doc("连带扣分 for the manager"))
    floor_zero: bool = field(default=True, metadata=doc("a component never goes below zero (扣完为止)"))
    notes: list[str] = field(default_factory=list)

    def level(self, level_id: str) -> Level | None:
        return next((lv for lv in self.levels if lv.id == level_id), None)

    def component(self, name: str) -> Component | None:
        return next((c for c in self.components if name in (c.id, c.name)), None)


KpiOf = Literal["items", "incidents", "inspections"]


@dataclass
class Target:
    """What a KPI should reach: a share in percent or a score in points."""

    value: float = field(metadata=doc("the target value, e.g. 100", minimum=0))
    unit: Literal["percent", "points"] = field(default="percent", metadata=doc("percent (a share) or points (a score)"))
    better: Literal["higher", "lower"] = field(default="higher", metadata=doc(
        "higher: the KPI is met at or above the value; lower: at or below"))


@dataclass
class Kpi(Item):
    """A monthly KPI (考核指标) that ``kefu report`` computes from checked records.

    ``where`` and ``count`` are filters on what ``kefu check --format json``
    reports: an item's fields (``type``, ``channel``, ``urgency``, ``validity``,
    ``closed``, ``project``, and any other enumerated field of the shift-log
    entries, such as ``callback_result``), an incident report's (``class``, ``event``), an
    inspection's (``kind``, ``role``), and ``rules: {rule-id: status}`` with a
    status ``met``, ``breached``, ``late`` (breached, the stop written after the
    deadline), ``missing`` (breached, no stop), ``pending`` or ``applies`` (any).
    """

    name: str = field(default="", metadata=doc("Chinese name shown in the report, e.g. 回访及时率"))
    of: KpiOf = field(default="items", metadata=doc("what is counted: items of the shift logs, incidents, inspections"))
    measure: Literal["share", "mean"] = field(default="share", metadata=doc(
        "share: the part of `where` that `count` matches; mean: the average of `value` over `where`"))
    where: dict[str, Any] = field(default_factory=dict, metadata=doc(
        "which records are counted (the denominator); a record still pending for a rule named in `count` is left out"))
    count: dict[str, Any] = field(default_factory=dict, metadata=doc("share: which of them count as done (numerator)"))
    value: str | None = field(default=None, metadata=doc("mean: the field averaged, e.g. total"))
    target: Target | None = field(default=None, metadata=doc("the target; none: shown without green or red"))
    rules: list[str] = field(default_factory=list, metadata=doc("rule ids of the handbook this KPI measures"))
    explain: str = field(default="", metadata=doc("what it counts and why, for the report and the handbook"))
    enabled: bool = field(default=True, metadata=doc("false: not computed (a company may turn a KPI off)"))


@dataclass
class KpiOverride:
    """A company's change to a shipped KPI: another target, or turned off."""

    target: Target | None = None
    enabled: bool | None = None
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class Category(Item):
    """A service category (报修, 投诉 ...) with its urgency and limits."""

    name: str = field(default="", metadata=doc("Chinese name"))
    aliases: list[str] = field(default_factory=list)
    entry_type: str | None = field(default=None, metadata=doc("shift-log entry type it maps to"))
    description: str = field(default="", metadata=doc("what belongs here"))
    urgency: dict[str, str] = field(default_factory=dict, metadata=doc(
        "urgency classes A/B/C (or 一般/紧急) and what they mean"))
    rules: list[str] = field(default_factory=list, metadata=doc("rule ids that time it"))
    procedures: list[str] = field(default_factory=list, metadata=doc("procedure ids handling it"))


@dataclass
class IncidentClass(Item):
    """A class of incident and who must be notified."""

    name: str = field(default="", metadata=doc("Chinese name"))
    code: str = field(default="", metadata=doc("the value written in incident reports: A, B, C or an event type"))
    description: str = field(default="", metadata=doc("how to recognise it"))
    notify: list[str] = field(default_factory=list, metadata=doc("departments and people to call"))
    must_notify: list[str] = field(default_factory=list, metadata=doc(
        "departments an incident report of this class at the company office must list in `notified` "
        "(rule incident-notify)"))
    estate_notify: list[str] = field(default_factory=list, metadata=doc(
        "departments and people to call when it happens at an estate's service centre (管理处)"))
    estate_must_notify: list[str] = field(default_factory=list, metadata=doc(
        "what a report with office: estate must list in `notified` (rule incident-notify)"))
    procedure: str | None = field(default=None, metadata=doc("procedure id to follow"))

    def must_list(self, office: str | None) -> list[str]:
        """Whom a report of this class must list: the estate's list for office estate, else the company's."""
        return self.estate_must_notify if office == "estate" else self.must_notify


@dataclass
class Term(Item):
    """A glossary entry: a word a new employee meets on the job."""

    term: str = field(default="", metadata=doc("the term in Chinese"))
    aliases: list[str] = field(default_factory=list)
    definition: str = field(default="", metadata=doc("plain explanation"))
    see: list[str] = field(default_factory=list, metadata=doc("procedure or rule ids"))


@dataclass
class Section:
    """One section of a source document, by the document's own number or heading, and where it went."""

    ref: str = field(metadata=doc("the document's own number (\"3.3\") or, where it has none, its heading"))
    heading: str = field(default="", metadata=doc("the section's heading as the document gives it"))
    says: str = field(default="", metadata=doc("one line in the handbook's words: what the section says"))
    status: SectionStatus = field(default="covered", metadata=doc(
        "covered; lost (text or figures missing: see default); contradictory (see reading); "
        "not-for-handbook (page furniture, sales text, statistics)"))
    items: list[str] = field(default_factory=list, metadata=doc(
        "handbook items that carry it, as kind/id (procedures/complaint, scripts/callback-opening)"))
    default: str | None = field(default=None, metadata=doc(
        "for lost: the company-set item or value that replaces it"))
    reading: str | None = field(default=None, metadata=doc(
        "for contradictory: which reading the handbook follows and why"))
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class Document(Item):
    """A source document and its source map: every section, what it says, which items carry it."""

    seed: str = field(default="", metadata=doc("document number, e.g. \"000\"", pattern=r"^00[0-4]$"))
    title: str = field(default="", metadata=doc("simplified Chinese title as shown to readers"))
    written_in: Literal["zh-Hant", "zh-Hans"] = field(default="zh-Hans", metadata=doc(
        "the document's script: traditional or simplified characters"))
    sections: list[Section] = field(default_factory=list, metadata=doc("every section in document order", minItems=1))

    def section(self, name: str) -> Section | None:
        """The section a source names by its ref or its heading."""
        return next((s for s in self.sections if name in (s.ref, s.heading)), None)

    @staticmethod
    def label(section: Section) -> str:
        """A section as readers see it: its number (3.3, 4 A类), or its name in quotes when it has none."""
        return section.ref if section.ref[:1].isdigit() else f"“{section.ref}”"

    def cite(self, sections: list[Section]) -> str:
        """Sections of this document as readers see them: 《title》3.3、5.1.3."""
        return f"《{self.title}》" + "、".join(self.label(s) for s in sections)


@dataclass
class Period:
    """A length of calendar time: how often content must be reviewed."""

    value: int = field(metadata=doc("how many units", minimum=1))
    unit: PeriodUnit = field(metadata=doc("days, months or years"))

    def after(self, day: _dt.date) -> _dt.date:
        """``day`` plus this period (a month end stays within the shorter month)."""
        if self.unit == "days":
            return day + _dt.timedelta(days=self.value)
        months = self.value * (12 if self.unit == "years" else 1)
        year, month = divmod(day.month - 1 + months, 12)
        year += day.year
        month += 1
        last = (_dt.date(year + month // 12, month % 12 + 1, 1) - _dt.timedelta(days=1)).day
        return _dt.date(year, month, min(day.day, last))


#: how often content is reviewed when the company file does not say (review_every)
DEFAULT_REVIEW = Period(12, "months")


@dataclass
class Estate:
    """One estate (项目) the company runs."""

    name: str = field(metadata=doc("estate name, used in greetings"))
    en: str | None = field(default=None, metadata=doc("English name for the bilingual greeting"))
    rules: dict[str, RuleOverride] = field(default_factory=dict, metadata=doc(
        "this estate's own changes to rules, on top of the company's (records whose project is this estate)"))
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class Shift:
    """A shift the company runs: its name and window (end not after start means next day)."""

    name: str = field(metadata=doc("shift label written in logs, e.g. 夜班"))
    start: str = field(metadata=doc("HH:MM", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))
    end: str = field(metadata=doc("HH:MM", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))


@dataclass
class Company:
    """The company file (kefu.yaml): who the handbook is for and what they changed."""

    name: str = field(default="示例物业服务有限公司", metadata=doc("company name"))
    estates: list[Estate] = field(default_factory=list, metadata=doc("estates; the first is the default"))
    timezone: str = field(default="Asia/Shanghai", metadata=doc("IANA time zone of record times"))
    site_url: str = field(default="", metadata=doc("base URL of the handbook site, for links in findings"))
    holidays: list[str] = field(default_factory=list, metadata=doc("extra days off YYYY-MM-DD"))
    workdays: list[str] = field(default_factory=list, metadata=doc("extra working days YYYY-MM-DD"))
    calendar_years: list[int] = field(default_factory=list, metadata=doc(
        "years whose days off and adjusted working days `holidays`/`workdays` list completely, "
        "for a year the statutory calendar does not cover yet (no Monday-Friday fallback warning)"))
    shifts: list[Shift] = field(default_factory=list, metadata=doc(
        "the company's shifts; `kefu new --shift` fills in their windows"))
    variant: Literal["zh-Hans", "zh-Hant"] = field(default="zh-Hans", metadata=doc(
        "zh-Hant: the site, search, every PDF and kefu check's findings in traditional characters"))
    opencc: Literal["s2t", "s2hk", "s2tw", "s2twp"] | None = field(default=None, metadata=doc(
        "the OpenCC conversion of a traditional edition: s2hk (Hong Kong, the default), s2tw, s2twp (Taiwan)"))
    review_every: Period | None = field(default=None, metadata=doc(
        "how often each procedure must be reviewed again after its `reviewed` date (default 12 months)"))
    path: str = field(default="", metadata=INTERNAL)
    line: int = field(default=0, metadata=INTERNAL)

    @property
    def review_period(self) -> Period:
        return self.review_every or DEFAULT_REVIEW

    def today(self) -> _dt.date:
        """Today in the company's time zone (the machine's date when the zone is unknown)."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return _dt.datetime.now(ZoneInfo(self.timezone)).date()
        except (ZoneInfoNotFoundError, ValueError):
            return _dt.date.today()

    @property
    def estate(self) -> str:
        return self.estates[0].name if self.estates else "本项目"

    @property
    def estate_en(self) -> str:
        return (self.estates[0].en or "") if self.estates else ""


@dataclass
class RuleOverride:
    """A company's (or an estate's) change to a rule: limit, variants, severity, on or off.

    ``start`` and ``stop`` cannot be changed (that would change what a contract id
    means): a different clock is a new rule in ``add_rules``.
    """

    limit: Limit | None = field(default=None, metadata=doc("the company's limit"))
    variants: list[Variant] | None = field(default=None, metadata=doc(
        "the company's conditional limits (replace the handbook's)"))
    severity: Severity | None = field(default=None, metadata=doc("error or warning"))
    enabled: bool | None = field(default=None, metadata=doc("false: the company does not apply this rule"))
    line: int = field(default=0, metadata=INTERNAL)


AddedType = Literal["time", "text", "bool", "int", "enum"]


@dataclass
class AddedField:
    """A field a company adds to a record form's entries (company-rules.md)."""

    key: str = field(metadata=doc("key written in records (English, snake_case)", pattern=r"^[a-z][a-z0-9_]*$"))
    label: str = field(metadata=doc("Chinese label (column and form heading)"))
    type: AddedType = field(metadata=doc("time, text, bool, int or enum"))
    values: dict[str, str] = field(default_factory=dict, metadata=doc("enum: key -> Chinese label"))
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class FormAddition:
    """What a company adds to one record form."""

    entry_fields: list[AddedField] = field(default_factory=list, metadata=doc("fields added to each entry"))
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class ScriptOverride:
    """A company's own wording of a shipped script."""

    text: str | None = field(default=None, metadata=doc("the company's words"))
    en: str | None = field(default=None, metadata=doc("the company's English words"))
    line: int = field(default=0, metadata=INTERNAL)


@dataclass
class CompanyFile:
    """The company file ``kefu.yaml``: company, estates, and overrides of the shipped handbook."""

    company: Company = field(metadata=doc("who the handbook is for"))
    base: Literal["shipped"] | None = field(default=None, metadata=doc(
        "shipped: the content folder is layered over the handbook kefu ships (kefu init writes this); "
        "an item with a shipped id replaces it, a new id adds one"))
    rules: dict[str, RuleOverride] = field(default_factory=dict, metadata=doc("rule id -> override"))
    scripts: dict[str, ScriptOverride] = field(default_factory=dict, metadata=doc("script id -> override"))
    phrases: list[Script] = field(default_factory=list, metadata=doc("the company's own scripts"))
    forms: dict[str, FormAddition] = field(default_factory=dict, metadata=doc(
        "record form id -> fields the company adds (shift-log: entry_fields)"))
    add_rules: list[Rule] = field(default_factory=list, metadata=doc("the company's own timed rules"))
    kpis: dict[str, KpiOverride] = field(default_factory=dict, metadata=doc("KPI id -> override (target, enabled)"))
    add_kpis: list[Kpi] = field(default_factory=list, metadata=doc("the company's own KPIs, declared like shipped ones"))
    path: str = field(default="", metadata=INTERNAL)


#: content kind -> item class; the YAML top-level keys of files in procedures/
KINDS: dict[str, type[Item]] = {
    "roles": Role,
    "procedures": Procedure,
    "scripts": Script,
    "rules": Rule,
    "forms": Form,
    "evaluations": Evaluation,
    "categories": Category,
    "incident_classes": IncidentClass,
    "glossary": Term,
    "documents": Document,
    "kpis": Kpi,
}


@dataclass
class Handbook:
    """The whole resolved model: content with the company's overrides applied."""

    company: Company
    roles: dict[str, Role] = field(default_factory=dict)
    procedures: dict[str, Procedure] = field(default_factory=dict)
    scripts: dict[str, Script] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)
    evaluations: dict[str, Evaluation] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    incident_classes: dict[str, IncidentClass] = field(default_factory=dict)
    glossary: dict[str, Term] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    kpis: dict[str, Kpi] = field(default_factory=dict)
    #: estate name -> the rules that differ there (company overrides plus the estate's own)
    estate_rules: dict[str, dict[str, Rule]] = field(default_factory=dict)

    def rules_for(self, project: str | None) -> dict[str, Rule]:
        """The rules in force for a record of ``project``: the estate's where it has its own."""
        own = self.estate_rules.get(project or "")
        return {**self.rules, **own} if own else self.rules

    def kind(self, name: str) -> dict[str, Any]:
        return typing.cast(dict[str, Any], getattr(self, name))

    def document(self, seed: str) -> Document | None:
        """The source document with this number."""
        return next((d for d in self.documents.values() if d.seed == seed), None)

    def cited(self, item: Item) -> list[tuple[Document, list[Section]]]:
        """The document sections an item's sources name (those the source map knows), by document."""
        out: dict[str, tuple[Document, list[Section]]] = {}
        for s in item.sources:
            d = self.document(s.seed)
            sec = d.section(s.section) if d else None
            if d and sec:
                out.setdefault(d.id, (d, []))[1].append(sec)
        return list(out.values())

    def item_named(self, ref: str) -> Item | None:
        """The item a source map lists as kind/id."""
        kind, _, item_id = ref.partition("/")
        table = getattr(self, kind, None) if kind in KINDS else None
        return table.get(item_id) if isinstance(table, dict) else None

    def review_due(self, item: Item, today: _dt.date) -> _dt.date | None:
        """When an item with a ``reviewed`` date is due for review; None when it has no valid date."""
        try:
            last = _dt.date.fromisoformat(getattr(item, "reviewed", "") or "")
        except ValueError:
            return None
        return self.company.review_period.after(last)

    def say(self, script_id: str) -> str:
        """A script's words with the company's estate and company names filled in."""
        return fill(self.scripts[script_id].text, self.company)

    def procedures_of(self, role_id: str) -> list[Procedure]:
        """Procedures a role carries out: listed in ``roles`` or acting in a step."""
        return [p for p in self.procedures.values()
                if role_id in p.roles or any(s.actor == role_id for s in p.steps)]

    def scripts_of(self, role_id: str) -> list[Script]:
        """Scripts a role says, most used first."""
        counts: dict[str, int] = {}
        for p in self.procedures.values():
            for s in p.steps:
                if s.actor == role_id:
                    for sid in s.say + [x for b in s.branches for x in b.say]:
                        counts[sid] = counts.get(sid, 0) + 1
        ordered = sorted(counts, key=lambda k: (-counts[k], k))
        return [self.scripts[k] for k in ordered if k in self.scripts]

    def evaluation_of(self, role_id: str) -> Evaluation | None:
        return next((e for e in self.evaluations.values() if role_id in e.roles), None)

    def role_named(self, name: str) -> Role | None:
        """A role by id, Chinese name or alias (records name roles in Chinese)."""
        for r in self.roles.values():
            if name in (r.id, r.name) or name in r.aliases:
                return r
        return None

    def variant_label(self, when: When) -> str:
        """A ``when`` in Chinese (紧急, 大中项目): the labels of the values and fields it names."""
        parts = []
        for key, value in when.items():
            values = value if isinstance(value, list) else [value]
            words = []
            for v in values:
                label = self.choice_label(key, v)
                words.append(label if label else (self.field_label(key) if v is True else f"{self.field_label(key)}{v}"))
            parts.append("或".join(words))
        return "、".join(parts)

    def field_label(self, key: str) -> str:
        for form in self.forms.values():
            label = form.label_of(key)
            if label != key:
                return label
        return key

    def choice_label(self, key: str, value: Any) -> str | None:
        """The Chinese label of an enum value of field ``key`` in any record form."""
        for form in self.forms.values():
            for f in _walk(form.fields):
                if f.key == key:
                    c = f.choice(str(value))
                    if c is not None:
                        return c.label
        return None

    def steps_using(self, kind: str, item_id: str) -> list[tuple[Procedure, int]]:
        """(procedure, 1-based step number) pairs whose step names this script/rule/form."""
        out = []
        for p in self.procedures.values():
            for n, s in enumerate(p.steps, 1):
                names = {"scripts": s.say + [x for b in s.branches for x in b.say],
                         "rules": s.rules, "forms": [s.form] if s.form else []}[kind]
                if item_id in names:
                    out.append((p, n))
        return out


def _walk(fields: list[FormField]) -> typing.Iterator[FormField]:
    for f in fields:
        yield f
        yield from _walk(f.fields)


def fill(text: str, company: Company) -> str:
    """Fill {estate}, {estate_en} and {company} without choking on other braces."""
    return (text.replace("{estate}", company.estate)
            .replace("{estate_en}", company.estate_en or company.estate)
            .replace("{company}", company.name))


# --------------------------------------------------------------------------
# Generic conversion from loaded YAML (LineMap/LineList) to dataclasses.


class ShapeError(Exception):
    """Raised by :func:`from_data` when data does not fit a type (lint reports it)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@functools.cache
def type_hints(cls: type) -> dict[str, Any]:
    """Resolved hints of a dataclass, cached: from_data asks once per item, and resolving
    them was half of loading the handbook (callers only read the dict)."""
    return typing.get_type_hints(cls, globalns=globals())


def fields_of(cls: type) -> list[dataclasses.Field[Any]]:
    """Public fields of a dataclass (those read from YAML)."""
    return [f for f in dataclasses.fields(cls) if not f.metadata.get("internal")]


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def from_data(tp: Any, data: Any, line: int = 0, path: str = "") -> Any:
    """Build ``tp`` from loaded YAML, recording lines; raises :class:`ShapeError`."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if data is None:
            return None
        return from_data(args[0], data, line, path)
    if origin is Literal:
        if data not in typing.get_args(tp):
            allowed = ", ".join(map(str, typing.get_args(tp)))
            raise ShapeError(line, f"“{data}” 不是允许的值（{allowed}）")
        return data
    if origin is list:
        if not isinstance(data, list):
            raise ShapeError(line, f"应为列表，实为 {type(data).__name__}")
        (arg,) = typing.get_args(tp)
        lines = getattr(data, "item_lines", [])
        return [from_data(arg, v, lines[i] if i < len(lines) else line, path) for i, v in enumerate(data)]
    if origin is dict:
        if not isinstance(data, dict):
            raise ShapeError(line, "应为映射（键: 值）")
        _, arg = typing.get_args(tp)
        vl = getattr(data, "value_lines", {})
        return {str(k): from_data(arg, v, vl.get(k, line), path) for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise ShapeError(line, f"应为映射（{tp.__name__}）")
        hints = type_hints(tp)
        names = {f.name for f in fields_of(tp)}
        kwargs: dict[str, Any] = {}
        vl = getattr(data, "value_lines", {})
        here = getattr(data, "line", line)
        for key in data:
            if key not in names:
                raise ShapeError(vl.get(key, here), f"未知的键 “{key}”")
        for f in fields_of(tp):
            if f.name in data:
                kwargs[f.name] = from_data(hints[f.name], data[f.name], vl.get(f.name, here), path)
            elif _required(f):
                raise ShapeError(here, f"缺少必填的键 “{f.name}”")
        all_names = {f.name for f in dataclasses.fields(tp)}
        if "line" in all_names:
            kwargs["line"] = here
        if "path" in all_names:
            kwargs["path"] = path
        return tp(**kwargs)
    if tp is Any:
        return data
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise ShapeError(line, f"应为数字，实为 “{data}”")
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise ShapeError(line, f"应为整数，实为 “{data}”")
        return data
    if tp is bool:
        if not isinstance(data, bool):
            raise ShapeError(line, f"应为 true 或 false，实为 “{data}”")
        return data
    if tp is str:
        if isinstance(data, (dict, list)) or data is None:
            raise ShapeError(line, "应为文字")
        return str(data)
    raise TypeError(f"unsupported type {tp!r}")  # a bug in the model, not in the content


def to_data(obj: Any) -> Any:
    """Dataclasses to plain JSON-ready data, dropping internal fields and empty defaults."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in fields_of(type(obj)):
            value = getattr(obj, f.name)
            out[f.name] = to_data(value)
        return out
    if isinstance(obj, dict):
        return {k: to_data(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_data(v) for v in obj]
    return obj
