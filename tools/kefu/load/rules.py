"""Rules as data: the company file's changes, added fields and added rules, resolved and checked.

``kefu check``, the site and the paper all read ``Handbook.rules`` (and
``Handbook.estate_rules``) after this module has applied, in order:

1. fields a company adds to a record form's entries (``forms.shift-log.entry_fields``);
2. changes to shipped rules (``rules:``: limit, variants, severity, enabled);
3. the company's own timed rules (``add_rules``);
4. each estate's own changes, on top of the company's (``company.estates[].rules``).

Every ``when``, ``start``, ``stop`` is then resolved against the rule's form:
values are turned into enumeration keys (``投诉`` -> ``complaint``), and a misspelled
field, value or unit is a finding naming the nearest known name.  A contract id
means one clock, so an override cannot change ``start`` or ``stop``.
"""

from __future__ import annotations

import copy
from typing import Any

from kefu.check.contract import RECORD_FORMS
from kefu.codes import Text
from kefu.findings import Finding, nearest
from kefu.model import AddedField, Choice, CompanyFile, Form, FormField, Handbook, Rule, RuleOverride, Variant, When

_ADDED_TYPE = {"time": "time", "text": "text", "bool": "boolean", "int": "integer", "enum": "enum"}
_TRUE = {True, "true", "是", "yes"}
_FALSE = {False, "false", "否", "no"}


def _near(word: str, choices: Any) -> Text:
    """The "did you mean" hint in both languages, or nothing when no known name is close."""
    near = nearest(word, choices)
    return Text(f"（是不是 {near}？）", f" (did you mean {near}?)") if near else Text("", "")


def _finding(path: str, line: int, variant: str, **params: Any) -> Finding:
    return Finding(path, line or None, "error", "company-rule", variant=variant, params=params)


def fields_of(form: Form) -> list[FormField]:
    """The fields a rule of this form reads: a shift log's entry fields, else the record's own."""
    entries = next((f for f in form.fields if f.key == "entries" and f.type == "table"), None)
    return entries.fields if entries is not None else form.fields


def add_fields(form: Form, added: list[AddedField], path: str) -> list[Finding]:
    """The company's entry fields become known keys of the form (never unknown-key in kefu check)."""
    out = []
    target = fields_of(form)
    known = {f.key for f in target}
    for a in added:
        if a.key in known:
            out.append(_finding(path, a.line, "field-exists", key=a.key, form=form.id))
            continue
        if a.type == "enum" and not a.values:
            out.append(_finding(path, a.line, "enum-values", key=a.key))
            continue
        target.append(FormField(key=a.key, label=a.label, type=_ADDED_TYPE[a.type],  # type: ignore[arg-type]
                                choices=[Choice(k, v) for k, v in a.values.items()], line=a.line))
        known.add(a.key)
    return out


class Resolver:
    """Resolves and validates ``when``/``start``/``stop`` of rules against the record forms."""

    def __init__(self, book: Handbook) -> None:
        self.book = book
        self.records = {f.id: f for f in book.forms.values() if f.kind == "record"}

    def field(self, form: Form, key: str, path: str, line: int, what: str, out: list[Finding],
              times: bool = False) -> FormField | None:
        fields = {f.key: f for f in fields_of(form)}
        f = fields.get(key)
        if f is None:
            other = next((o.id for o in self.records.values() if o is not form
                          and any(x.key == key for x in fields_of(o))), None)
            if other is not None:
                out.append(_finding(path, line, "field-other-form", what=what, key=key, form=form.id, other=other))
            else:
                out.append(_finding(path, line, "field", what=what, key=key, form=form.id,
                                    near=_near(key, fields)))
            return None
        if times and f.type not in ("time", "datetime"):
            out.append(_finding(path, line, "not-time", what=what, key=key))
            return None
        return f

    def when(self, form: Form, when: When, path: str, line: int, out: list[Finding]) -> When:
        """``when`` with enumeration keys and booleans; problems reported into ``out``."""
        resolved: When = {}
        for key, value in when.items():
            f = self.field(form, key, path, line, "when", out)
            if f is None:
                continue
            values = value if isinstance(value, list) else [value]
            canon: list[Any] = []
            for v in values:
                if f.type == "enum":
                    c = f.choice(str(v))
                    if c is None:
                        names = [x.value for x in f.choices] + [x.label for x in f.choices]
                        out.append(_finding(path, line, "value", key=key, value=v, near=_near(str(v), names)))
                        continue
                    canon.append(c.value)
                elif f.type == "boolean":
                    if v in _TRUE:
                        canon.append(True)
                    elif v in _FALSE:
                        canon.append(False)
                    else:
                        out.append(_finding(path, line, "value", key=key, value=v,
                                            near=Text("（可填 true 或 false）", " (true or false)")))
                else:
                    canon.append(v)
            resolved[key] = canon
        return resolved

    def rule(self, rule: Rule, path: str, out: list[Finding]) -> None:
        """Resolve one rule in place (its form, when, clock fields, variants, limits)."""
        line = rule.line
        if rule.form is None:
            if rule.when or rule.variants:
                out.append(_finding(path, line, "no-form", id=rule.id))
            return
        form = self.records.get(rule.form)
        if form is None and rule.form in RECORD_FORMS:
            return  # a contract form the content lacks: lint says contract-form-missing once
        if form is None:
            out.append(_finding(path, line, "form", id=rule.id, form=rule.form,
                                near=_near(rule.form, self.records)))
            return
        rule.when = self.when(form, rule.when, path, line, out)
        for what in ("start", "stop", "agreed"):
            key = getattr(rule, what)
            if key and not (rule.id in _coded() and what != "agreed"):
                self.field(form, key, path, line, what, out, times=True)
        for limit in [rule.limit] + [v.limit for v in rule.variants]:
            if limit is not None and limit.value <= 0:
                out.append(_finding(path, line, "limit", id=rule.id, value=limit.value))
        for v in rule.variants:
            if not v.when:
                out.append(_finding(path, v.line or line, "variant-when", id=rule.id))
            v.when = self.when(form, v.when, path, v.line or line, out)
            if v.label is None:
                v.label = self.book.variant_label(v.when)


def _coded() -> set[str]:
    import kefu.check.items  # noqa: F401  (registers the rules between logs too)
    from kefu.check.rules import REGISTRY

    return set(REGISTRY)


def override(rule: Rule, change: RuleOverride) -> None:
    """A company's or an estate's change: limit, variants, severity, enabled (never the clock)."""
    if change.limit is not None and change.limit != rule.limit:
        if rule.default_limit is None and rule.added_by == "handbook":
            rule.default_limit = rule.limit
        rule.limit = change.limit
        rule.company_set = False  # the company has decided this value
    if change.variants is not None:
        rule.variants = copy.deepcopy(change.variants)
        rule.company_set = False
    if change.severity is not None:
        rule.severity = change.severity
    if change.enabled is not None:
        rule.enabled = change.enabled


def apply(book: Handbook, parsed: CompanyFile | None, path: str) -> list[Finding]:
    """Apply the company file's rules part to ``book`` (or only resolve the shipped rules)."""
    out: list[Finding] = []
    resolver = Resolver(book)
    if parsed is not None:
        for form_id, addition in parsed.forms.items():
            form = resolver.records.get(form_id)
            if form is None:
                out.append(_finding(path, addition.line, "form", id="forms", form=form_id,
                                    near=_near(form_id, resolver.records)))
                continue
            out += add_fields(form, addition.entry_fields, path)
    shipped = list(book.rules.values())
    for rule in shipped:
        resolver.rule(rule, rule.path, out)
    if parsed is None:
        mark_checked(book)
        return out
    known = set(book.rules) | {r.id for r in parsed.add_rules}
    for rule_id, change in parsed.rules.items():
        target = book.rules.get(rule_id)
        if target is None:
            if rule_id not in {r.id for r in parsed.add_rules}:
                out.append(_finding(path, change.line, "unknown", id=rule_id, near=_near(rule_id, known)))
            continue
        if change.variants is not None:
            variants = change.variants
            change = copy.copy(change)
            change.variants = [Variant(v.when, v.limit, v.label, line=v.line) for v in variants]
            tmp = Rule(id=target.id, form=target.form, variants=change.variants, line=change.line)
            resolver.rule(tmp, path, out)
        if change.limit is not None and change.limit.value <= 0:
            out.append(_finding(path, change.line, "limit", id=rule_id, value=change.limit.value))
        override(target, change)
    seen: set[str] = set()
    for rule in parsed.add_rules:
        rule.path = path
        rule.added_by = "company"
        if rule.id in book.rules:
            out.append(_finding(path, rule.line, "shipped-id", id=rule.id))
            continue
        if rule.id in seen:
            out.append(_finding(path, rule.line, "duplicate-id", id=rule.id))
            continue
        seen.add(rule.id)
        missing = [k for k in ("title", "form", "start", "stop", "limit", "explain") if not getattr(rule, k)]
        if missing:
            out.append(_finding(path, rule.line, "required", id=rule.id, keys="、".join(missing)))
            continue
        resolver.rule(rule, path, out)
        book.rules[rule.id] = rule
        later = parsed.rules.get(rule.id)
        if later is not None:
            override(rule, later)
    for estate in parsed.company.estates:
        if not estate.rules:
            continue
        own: dict[str, Rule] = {}
        for rule_id, change in estate.rules.items():
            base = book.rules.get(rule_id)
            if base is None:
                out.append(_finding(path, change.line, "unknown", id=rule_id, near=_near(rule_id, book.rules)))
                continue
            if change.limit is not None and change.limit.value <= 0:
                out.append(_finding(path, change.line, "limit", id=rule_id, value=change.limit.value))
            mine = copy.deepcopy(base)
            if change.variants is not None:
                tmp = Rule(id=base.id, form=base.form, variants=copy.deepcopy(change.variants), line=change.line)
                resolver.rule(tmp, path, out)
                change = copy.copy(change)
                change.variants = tmp.variants
            if mine.default_limit is None and change.limit is not None:
                mine.default_limit = base.limit
            override(mine, change)
            own[rule_id] = mine
        book.estate_rules[estate.name] = own
    mark_checked(book)
    return out


def mark_checked(book: Handbook) -> None:
    """Which rules kefu check applies: coded ones and timed declarations (the site says so)."""
    coded = _coded()
    for rules in [book.rules, *book.estate_rules.values()]:
        for r in rules.values():
            r.checked = r.enabled and (r.id in coded or r.timed)

