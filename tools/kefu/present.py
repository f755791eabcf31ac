"""What readers see: the model's prose in people's words, for the site and for paper.

The content is written for two audiences at once: the checker needs record
keys (``done_at``, ``status: open``) and staff need Chinese.  Pages and PDFs
show a *reader copy* of the handbook in which every prose field has its record
keys replaced by the forms' own Chinese labels, so a step that says "写上完成时间
done_at" prints "写上完成时间".  The keys stay in the model (and on the form
pages' section for people who write record files).

Also here, because the site and the PDFs must agree: whether a rule is a time
limit (时限) or a rule without a clock (规定), which situation a rule belongs to
on the time-limit page, and whether the company is still the shipped sample.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections import Counter
from typing import Any

from kefu.model import Company, FormField, Handbook, Rule

#: prose fields of the content items (ids, references and the words of scripts are not prose)
PROSE = frozenset({
    "action", "then", "when", "note", "result", "situation", "explain", "applies_to", "start_zh",
    "stop_zh", "title", "target", "summary", "definition", "description", "purpose", "task",
    "criteria", "duties", "authority", "preconditions", "notes", "cause", "help", "company_set_reason",
    "name", "label", "urgency",
})
#: command and file names a reader does not need: what they stand for
COMMANDS = (
    (re.compile(r"\s?`?kefu check`?\s?(?:检查|核对)?"), "记录检查核对"),
    (re.compile(r"`?kefu (?:new|print|lint|schema|export)[^，。；\s]*`?"), "手册工具"),
    (re.compile(r"`?kefu\.yaml`?"), "公司文件"),
)
#: a bracketed note naming a seed file by number (种子 002 的…): editors' provenance, not for readers
SEED_NOTE = re.compile(r"[（(][^（）()]*种子\s*\d{3}[^（）()]*[）)]")
#: an unbracketed clause naming a seed file by number (种子 002 只列出…；): provenance too
SEED_CLAUSE = re.compile(r"[^。；，（）]*种子\s*\d{3}[^。；]*[。；]?")
#: format hints written for record files, meaningless beside boxes for 年/月/日 and 时/分
FORMAT_HINT = re.compile(r"[，；,]?\s*(?:YYYY-MM-DD(?: HH:MM)?|HH:MM)\s*[，；,]?")
BOOL_ZH = {"true": "是", "false": "否", "[]": "无"}


def _fields(form_fields: list[FormField]) -> list[FormField]:
    out = []
    for f in form_fields:
        out.append(f)
        out += _fields(f.fields)
    return out


@dataclasses.dataclass
class Words:
    """Record keys and values of the handbook's record forms, with their Chinese labels."""

    keys: dict[str, str]
    values: dict[str, dict[str, str]]  # key -> choice value -> label
    forms: dict[str, str] = dataclasses.field(default_factory=dict)  # form id -> title
    items: dict[str, str] = dataclasses.field(default_factory=dict)  # rule/procedure id -> title
    choices: list[tuple[str, dict[str, str]]] = dataclasses.field(default_factory=list)  # (field label, choices)

    @classmethod
    def of(cls, book: Handbook) -> Words:
        keys: dict[str, str] = {}
        values: dict[str, dict[str, str]] = {}
        for form in book.forms.values():
            for f in _fields(form.fields):
                keys.setdefault(f.key, f.label)
                for c in f.choices:
                    values.setdefault(f.key, {}).setdefault(c.value, c.label)
        items = {r.id: (r.heading() if hasattr(r, "heading") else r.title) for r in book.rules.values()}
        items.update({p.id: p.title for p in book.procedures.values()})
        choices = [(f.label, {c.value: c.label for c in f.choices})
                   for form in book.forms.values() for f in _fields(form.fields) if f.choices]
        return cls(keys, values, {f.id: f.title for f in book.forms.values()}, items, choices)

    def label(self, value: str) -> str | None:
        """A choice value (complaint) as its label (投诉), when only one label is meant."""
        labels = {v[value] for v in self.values.values() if value in v}
        return labels.pop() if len(labels) == 1 else None

    def humanize(self, text: str) -> str:
        """Record keys in prose replaced by their labels; a key right after its label is dropped."""
        if not text:
            return text
        text = SEED_CLAUSE.sub("", SEED_NOTE.sub("", text))
        if not re.search(r"[A-Za-z]", text):
            return text
        for pattern, words in COMMANDS:
            text = pattern.sub(words, text)
        if self.items:
            text = ITEM.sub(lambda m: f"（见“{self.items[m.group('id')]}”）" if m.group("id") in self.items
                            else m.group(0), text)

        def pair(m: re.Match[str]) -> str:
            key, value = m.group(2), m.group(3)
            if key not in self.keys:
                return m.group(0)
            label = self.keys[key]
            shown = BOOL_ZH.get(value) or self.values.get(key, {}).get(value) or self.label(value)
            if not shown:
                return m.group(0)
            if f"“{shown}”" in text[max(0, m.start() - 12): m.start()]:
                return ""  # 保持“未完成”（status: open）: the words already say it
            said = f"{label}为“{shown}”" if value != "[]" else f"“{shown}”"
            return f"（{said}）" if m.group("open") else said

        text = re.sub(r"(?P<open>[（(])?`?\b([a-z][a-z_]*):\s*(\[\]|[a-z][a-z-]*\b)`?(?(open)[）)])", pair, text)
        text = TOKEN.sub(lambda m: self._token(m, text), text)
        return REPEAT.sub(r"\1", text)

    def _token(self, m: re.Match[str], text: str) -> str:
        word = m.group("word")
        if text[m.start() - 1: m.start()] == "{" or text[m.end(): m.end() + 1] == "}":
            return m.group(0)  # a placeholder ({limit}, {estate}) the model fills in later
        last = word.split(".")[-1]
        before = text[: m.start()].rstrip(" （(`")
        if word in self.forms and "-" not in word:
            return self.forms[word]
        label = self.keys.get(last)
        if label is None:
            value = self.label(word) or next(
                (values[word] for lab, values in self.choices if word in values and before.endswith(lab)), None)
            if value is None:
                return m.group(0)
            return f"（{value}）" if m.group("open") else value
        if before.endswith(label) or before.endswith(label.replace(" ", "")):
            return ""  # 完成时间 done_at -> 完成时间
        return f"（{label}）" if m.group("open") else label


#: a rule or procedure id written in prose, with its brackets
ITEM = re.compile(r"\s?[（(]?`?(?P<id>[a-z0-9]+(?:-[a-z0-9]+)+)`?[）)]?")

#: a lowercase record key, with the space, backticks or brackets around it
TOKEN = re.compile(r" ?(?P<open>[（(])?`?(?P<word>[a-z][a-z_]*[a-z](?:[.-][a-z][a-z_]*)*)`?(?(open)[）)]) ?")
#: a label repeated in brackets after the replaced value: 咨询（咨询）
REPEAT = re.compile(r"([\u4e00-\u9fff、]{1,10})（\1）")


def _convert(obj: Any, words: Words, field_name: str = "") -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            new = _convert(value, words, f.name)
            if new is not value:
                changes[f.name] = new
        return dataclasses.replace(obj, **changes) if changes else obj
    if isinstance(obj, str):
        return words.humanize(obj) if field_name in PROSE else obj
    if isinstance(obj, list):
        new_list = [_convert(v, words, field_name) for v in obj]
        return new_list if any(a is not b for a, b in zip(new_list, obj, strict=True)) else obj
    if isinstance(obj, dict):
        new_dict = {k: _convert(v, words, field_name) for k, v in obj.items()}
        return new_dict if any(new_dict[k] is not obj[k] for k in obj) else obj
    return obj


def reader_copy(book: Handbook) -> Handbook:
    """The handbook as pages and paper show it: the same items, prose without record keys.

    Forms keep their keys (the form pages have a section for people who write record files),
    but their purposes and help texts lose command names and format hints.
    """
    words = Words.of(book)
    out = dataclasses.replace(book)
    for kind in ("roles", "procedures", "rules", "evaluations", "categories", "incident_classes", "glossary"):
        setattr(out, kind, {k: _convert(v, words) for k, v in book.kind(kind).items()})
    out.forms = {k: _convert(v, words) for k, v in book.forms.items()}
    return out


def paper_help(text: str | None) -> str | None:
    """A field's help as printed beside boxes: without record-file format hints."""
    if not text:
        return text
    cleaned = FORMAT_HINT.sub("，", text).strip("，； ")
    return cleaned or None


# --------------------------------------------------------------------------
# Rules as readers meet them


def is_time_limit(rule: Rule) -> bool:
    """A rule with a clock (a limit, or a start and stop) is a 时限; the others are 规定."""
    return rule.limit is not None or bool(rule.variants) or bool(rule.start_zh and rule.stop_zh and rule.limit)


def rule_kind(rule: Rule) -> str:
    return "时限" if is_time_limit(rule) else "规定"


#: the situations of the time-limit page, in the order staff meet them, and the service
#: categories each gathers (layout of the page, not content: categories come from the model)
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("repair", "报修与维保", ("repair", "warranty")),
    ("complaint", "投诉", ("complaint",)),
    ("reception", "接待与咨询", ("inquiry", "help")),
    ("suggestion", "建议", ("suggestion",)),
    ("online", "网络", ("online",)),
    ("move", "入住、装修与车位", ("move-in-out", "renovation", "parking")),
    ("duty", "值班与交接", ()),
    ("incident", "突发事件", ("incident",)),
    ("evaluation", "考评与培训", ()),
    ("office", "收费、档案与服务", ("fees", "owner-records", "paid-service", "activity")),
)
#: record forms whose rules belong to a situation whatever procedures cite them
FORM_GROUP = {"shift-log": "duty", "incident-report": "incident", "inspection": "evaluation"}
#: procedures that are about evaluation and training rather than a service (category "other")
EVALUATION_WORDS = ("考评", "检", "培训", "考核", "招聘")


def _entry_types(rule: Rule) -> list[str]:
    """The entry types a rule applies to: ``when: {type: ...}`` (rules as data) or ``types``."""
    when = getattr(rule, "when", None)
    if isinstance(when, dict) and "type" in when:
        value = when["type"]
        return [str(x) for x in (value if isinstance(value, list) else [value])]
    return [str(t) for t in getattr(rule, "types", [])]


def rule_groups(book: Handbook) -> dict[str, str]:
    """Rule id -> group key of GROUPS: by the category naming it, its entry types, its form,
    else the categories and titles of the procedures whose steps cite it."""
    by_category = {cid: key for key, _label, cats in GROUPS for cid in cats}
    by_type = {c.entry_type: c.id for c in book.categories.values() if c.entry_type and c.entry_type != "other"}
    out: dict[str, str] = {}
    for r in book.rules.values():
        group = None
        for t in _entry_types(r):
            if by_type.get(t) in by_category:
                group = by_category[by_type[t]]
                break
        if group is None:
            named = [c.id for c in book.categories.values() if r.id in c.rules and c.id in by_category]
            if named:
                group = by_category[named[0]]
        if group is None and r.form in FORM_GROUP:
            group = FORM_GROUP[r.form]
        if group is None:
            votes: Counter[str] = Counter()
            for p, _n in book.steps_using("rules", r.id):
                if p.category in by_category:
                    votes[by_category[p.category]] += 2
                elif any(w in p.title for w in EVALUATION_WORDS):
                    votes["evaluation"] += 1
                else:
                    votes["duty"] += 1
            group = votes.most_common(1)[0][0] if votes else "duty"
        out[r.id] = group
    return out


def group_labels() -> dict[str, str]:
    return {key: label for key, label, _cats in GROUPS}


# --------------------------------------------------------------------------
# The company


def is_sample(company: Company) -> bool:
    """True while the company file still names the shipped placeholder company."""
    default = next(f.default for f in dataclasses.fields(Company) if f.name == "name")
    return company.name == default or not company.name


def company_label(company: Company) -> str:
    """The company's name, marked as a sample while it is the placeholder."""
    return f"{company.name}（样例）" if is_sample(company) else company.name


# --------------------------------------------------------------------------
# Limits as one line per case


@dataclasses.dataclass
class LimitLine:
    """A rule as a reader sees it beside a step, on the time-limit page and on paper."""

    rule_id: str
    title: str
    kind: str  # 时限 or 规定
    cases: list[tuple[str, str]]  # (case, limit): ("一般", "3 个工作日"), ("紧急", "1 个工作日")
    target: str | None
    confirm: bool  # 待公司确认: the handbook's default until the company confirms it
    confirm_reason: str | None
    checked: bool
    enabled: bool = True
    company: bool = False  # the company's own rule (公司规定)
    estates: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (estate, its limit) where it differs

    @property
    def text(self) -> str:
        """The limit in one line: 一般 3 个工作日 / 紧急 1 个工作日."""
        return " / ".join(f"{case} {value}" if case else value for case, value in self.cases)


def _variants(book: Handbook, rule: Rule) -> list[tuple[str, list[str], Any]]:
    """(label, the record values it names, limit) of a rule's conditional limits: a list of
    variants with ``when``/``label`` (rules as data), or the older mapping key -> limit."""
    raw: Any = rule.variants
    if isinstance(raw, dict):
        return [(book.variant_label(k), [k], v) for k, v in raw.items()]
    out = []
    for v in raw or []:
        when = getattr(v, "when", {}) or {}
        keys = [str(x) for value in when.values() for x in (value if isinstance(value, list) else [value])]
        label = getattr(v, "label", None) or typing.cast(Any, book).variant_label(when)
        out.append((label, keys, v.limit))
    return out


def _other_case(book: Handbook, keys: list[str]) -> str:
    """What the main limit's case is called: the sibling choice of the variants' (一般 beside 紧急)."""
    for form in book.forms.values():
        for f in _fields(form.fields):
            values = [c.value for c in f.choices]
            if values and all(k in values for k in keys):
                rest = [c.label for c in f.choices if c.value not in keys]
                if rest:
                    return rest[0]
    return "其余"


def limit_line(book: Handbook, rule: Rule) -> LimitLine:
    variants = _variants(book, rule)
    cases: list[tuple[str, str]] = []
    if rule.limit is not None:
        main = _other_case(book, [k for _l, keys, _v in variants for k in keys]) if variants else ""
        cases.append((main, rule.limit.zh()))
    cases += [(label, v.zh()) for label, _k, v in variants]
    enabled = bool(getattr(rule, "enabled", True))
    title = rule.heading() if hasattr(rule, "heading") else rule.title
    estates = []
    for estate, rules in (getattr(book, "estate_rules", {}) or {}).items():
        own = rules.get(rule.id)
        if own is not None and own is not rule:
            if not getattr(own, "enabled", True):
                estates.append((estate, "不适用"))
            elif own.limit is not None and own.limit != rule.limit:
                estates.append((estate, own.limit.zh()))
    return LimitLine(rule.id, title, rule_kind(rule), cases, rule.target, rule.company_set,
                     rule.company_set_reason, rule.checked, enabled,
                     getattr(rule, "added_by", "handbook") == "company", estates)


def step_limits(book: Handbook, rule_ids: list[str]) -> tuple[LimitLine | None, list[LimitLine]]:
    """A step's one deadline (its first time limit) and the other rules it must keep."""
    lines = [limit_line(book, book.rules[r]) for r in rule_ids if r in book.rules]
    deadline = next((x for x in lines if x.kind == "时限" and x.enabled), None)
    return deadline, [x for x in lines if x is not deadline]


# --------------------------------------------------------------------------
# A role's first week and its most used rules

#: the working days of a new hire's first week, and what each is called
WEEK_DAYS = ("第 1 天", "第 2 天", "第 3 天", "第 4 天", "第 5 天")


@dataclasses.dataclass
class Day:
    """One day of the first week: what to read, what to practise with whom, what is signed off."""

    name: str
    read: list[Any]  # procedures
    practise: list[tuple[Any, list[str]]]  # (procedure, names of the roles to practise it with)
    signoff: list[Any]  # procedures whose checklist the trainer signs today


def first_week_days(book: Handbook, role_id: str) -> list[Day]:
    """The role's first-week procedures spread over five days in their order: each day the new
    hire reads a share, practises it with the colleagues who act in its steps, and the trainer
    signs off the checklists of the day before (the last day signs off its own as well)."""
    role = book.roles[role_id]
    procs = [book.procedures[p] for p in role.first_week if p in book.procedures]
    if not procs:
        return []
    days = len(WEEK_DAYS)
    shares: list[list[Any]] = [[] for _ in range(days)]
    for n, p in enumerate(procs):
        shares[n * days // len(procs)].append(p)
    out = []
    for n, share in enumerate(shares):
        practise = []
        for p in share:
            partners = [book.roles[a].name for a in dict.fromkeys(s.actor for s in p.steps)
                        if a != role_id and a in book.roles]
            if not partners and role.reports_to in book.roles:
                partners = [book.roles[role.reports_to].name]
            practise.append((p, partners))
        signoff = list(shares[n - 1]) if n else []
        if n == days - 1:
            signoff += share
        out.append(Day(WEEK_DAYS[n], share, practise, signoff))
    return [d for d in out if d.read or d.signoff]


def rules_used_by(book: Handbook, role_id: str) -> list[str]:
    """Rule ids of the steps this role acts in, most cited first."""
    counts: Counter[str] = Counter()
    for p in book.procedures.values():
        for s in p.steps:
            if s.actor == role_id:
                counts.update(r for r in s.rules if r in book.rules)
    return [r for r, _n in counts.most_common()]
