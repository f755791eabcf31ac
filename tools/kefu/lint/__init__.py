"""``kefu lint``: everything an editor of procedures/ can get wrong, in one run.

Schema and duplicate-id problems come from :func:`kefu.load.load_handbook`;
this module adds what needs the whole model: references between items, the
contract's rules, evaluation sums and unused items; :mod:`kefu.lint.provenance` the source
map, origins and review dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from kefu.check.contract import CONTRACT_RULES, RECORD_FORMS
from kefu.findings import Finding, did_you_mean
from kefu.lint.provenance import (
    check_origins,
    check_reviews,
    check_sources,
    company_set_values,
    content_items,
    written_findings,
)
from kefu.load import load_handbook
from kefu.model import Handbook


@dataclass
class _Ref:
    """A reference from an item to an id of some kind."""

    path: str
    line: int
    kind: str
    target: str
    what: str


def _refs(book: Handbook) -> Iterable[_Ref]:
    for r in book.roles.values():
        if r.reports_to:
            yield _Ref(r.path, r.line, "roles", r.reports_to, f"role '{r.id}' reports to")
        for x in r.supervises:
            yield _Ref(r.path, r.line, "roles", x, f"role '{r.id}' supervises")
        for x in r.first_week:
            yield _Ref(r.path, r.line, "procedures", x, f"role '{r.id}' first week names")
        for t in r.routine:
            if t.procedure:
                yield _Ref(r.path, t.line, "procedures", t.procedure, f"role '{r.id}' routine names")
    for p in book.procedures.values():
        where = f"procedure '{p.id}'"
        if p.category:
            yield _Ref(p.path, p.line, "categories", p.category, f"{where} has category")
        if p.owner:
            yield _Ref(p.path, p.line, "roles", p.owner, f"{where} has owner")
        for x in p.roles:
            yield _Ref(p.path, p.line, "roles", x, f"{where} names")
        for x in p.forms:
            yield _Ref(p.path, p.line, "forms", x, f"{where} uses")
        for x in p.related:
            yield _Ref(p.path, p.line, "procedures", x, f"{where} relates to")
        for n, s in enumerate(p.steps, 1):
            step = f"{where} step {n}"
            yield _Ref(p.path, s.line, "roles", s.actor, f"{step} names")
            for x in s.say:
                yield _Ref(p.path, s.line, "scripts", x, f"{step} says")
            for x in s.rules:
                yield _Ref(p.path, s.line, "rules", x, f"{step} names")
            if s.form:
                yield _Ref(p.path, s.line, "forms", s.form, f"{step} fills")
            for b in s.branches:
                if b.procedure:
                    yield _Ref(p.path, b.line, "procedures", b.procedure, f"{step} branches to")
                for x in b.say:
                    yield _Ref(p.path, b.line, "scripts", x, f"{step} branch says")
    for script in book.scripts.values():
        if script.instead:
            yield _Ref(script.path, script.line, "scripts", script.instead, f"script '{script.id}' says instead")
    for form in book.forms.values():
        if form.evaluation:
            yield _Ref(form.path, form.line, "evaluations", form.evaluation, f"form '{form.id}' prints")
    for e in book.evaluations.values():
        for x in e.roles:
            yield _Ref(e.path, e.line, "roles", x, f"evaluation '{e.id}' scores")
        for i in e.inspections:
            yield _Ref(e.path, i.line, "roles", i.by, f"evaluation '{e.id}' inspection by")
        for c in e.components:
            for x in c.procedures:
                yield _Ref(e.path, c.line, "procedures", x, f"evaluation '{e.id}' component '{c.id}' checks")
    for cat in book.categories.values():
        for x in cat.rules:
            yield _Ref(cat.path, cat.line, "rules", x, f"category '{cat.id}' names")
        for x in cat.procedures:
            yield _Ref(cat.path, cat.line, "procedures", x, f"category '{cat.id}' names")
    for inc in book.incident_classes.values():
        if inc.procedure:
            yield _Ref(inc.path, inc.line, "procedures", inc.procedure, f"incident class '{inc.id}' follows")


_KIND_WORD = {"roles": "role", "procedures": "procedure", "scripts": "script", "rules": "rule",
              "forms": "form", "evaluations": "evaluation", "categories": "category"}


def _check_refs(book: Handbook) -> list[Finding]:
    out = []
    for ref in _refs(book):
        table = book.kind(ref.kind)
        if ref.target in table:
            continue
        names = list(table)
        if ref.kind == "roles":  # editors write Chinese names; suggest the id of the closest name
            by_name = {r.name: r.id for r in book.roles.values()}
            by_name.update({a: r.id for r in book.roles.values() for a in r.aliases})
            hint = did_you_mean(ref.target, list(by_name) + names, "en")
            exact = by_name.get(ref.target)
            if exact:
                hint = f" (use the id {exact})"
        else:
            hint = did_you_mean(ref.target, names, "en")
        out.append(Finding(ref.path, ref.line, "error", "ref-unknown",
                           f"{ref.what} {_KIND_WORD[ref.kind]} \"{ref.target}\", which does not exist{hint}"))
    for p in book.procedures.values():
        for n, s in enumerate(p.steps, 1):
            for b in s.branches:
                if b.step is not None and not 1 <= b.step <= len(p.steps):
                    out.append(Finding(p.path, b.line, "error", "ref-unknown",
                                       f"procedure '{p.id}' step {n} branches to step {b.step}, "
                                       f"but it has {len(p.steps)} steps"))
    return out


def _check_contract(book: Handbook) -> list[Finding]:
    out = []
    anchor = next(iter(book.rules.values()), None)
    path = anchor.path if anchor else "procedures/rules"
    for rule_id, (form, needs_limit) in CONTRACT_RULES.items():
        rule = book.rules.get(rule_id)
        if rule is None:
            out.append(Finding(path, None, "error", "contract-rule-missing",
                               f"rule '{rule_id}' of records.md ({form}) is not defined"))
            continue
        if rule.enabled and not rule.checked:
            out.append(Finding(rule.path, rule.line, "error", "contract-rule-missing",
                               f"rule '{rule_id}' is applied by kefu check: it needs form, start (or agreed), "
                               "stop and limit"))
        if needs_limit and rule.limit is None:
            out.append(Finding(rule.path, rule.line, "error", "limit-missing",
                               f"rule '{rule_id}' needs a limit {{value, unit}}"))
    for form_id in RECORD_FORMS:
        record_form = book.forms.get(form_id)
        if record_form is None:
            out.append(Finding("procedures/forms", None, "error", "contract-form-missing",
                               f"record form '{form_id}' of records.md is not defined"))
        elif record_form.kind != "record":
            out.append(Finding(record_form.path, record_form.line, "error", "contract-form-missing",
                               f"form '{form_id}' must have kind: record"))
    return out


def _check_evaluations(book: Handbook) -> list[Finding]:
    out = []
    for e in book.evaluations.values():
        total = sum(c.max for c in e.components)
        if total != 100:
            out.append(Finding(e.path, e.line, "error", "evaluation-sum",
                               f"evaluation '{e.id}': component maxima add up to {total}, not 100"))
        ids = [c.id for c in e.components]
        for c in e.components:
            if ids.count(c.id) > 1:
                out.append(Finding(e.path, c.line, "error", "duplicate-id",
                                   f"evaluation '{e.id}' has component '{c.id}' twice"))
        for lv in e.levels:
            if lv.min > lv.max:
                out.append(Finding(e.path, lv.line, "error", "schema",
                                   f"evaluation '{e.id}' level '{lv.id}': min {lv.min} > max {lv.max}"))
        for cas in e.cascade:
            if cas.component not in ids:
                out.append(Finding(e.path, cas.line, "error", "ref-unknown",
                                   f"evaluation '{e.id}' cascades to component \"{cas.component}\", which does "
                                   f"not exist{did_you_mean(cas.component, ids, 'en')}"))
    return out


def _check_use(book: Handbook) -> list[Finding]:
    out = []
    used_scripts: set[str] = set()
    used_forms: set[str] = set()
    for p in book.procedures.values():
        used_forms.update(p.forms)
        for s in p.steps:
            used_scripts.update(s.say)
            used_scripts.update(x for b in s.branches for x in b.say)
            if s.form:
                used_forms.add(s.form)
    used_scripts.update(s.instead for s in book.scripts.values() if s.instead)
    for kind, item in content_items(book):
        if kind == "scripts" and item.id not in used_scripts and not getattr(item, "never", False):
            out.append(Finding(item.path, item.line, "warning", "unused-script",
                               f"script '{item.id}' is not said in any procedure step"))
        if kind == "forms" and item.id not in used_forms:
            out.append(Finding(item.path, item.line, "warning", "unused-form",
                               f"form '{item.id}' is not filled in any procedure"))
    return out


def company_set_findings(book: Handbook) -> list[Finding]:
    """Every value kefu chose because a document lost it or never gave it: what the company must decide."""
    return [Finding(item.path, sub.line, "warning", "company-set",
                    f"{label} is a default the company must confirm: {sub.company_set_reason or 'no reason given'}")
            for item, sub, label in company_set_values(book)]


def _check_company_set_reasons(book: Handbook) -> list[Finding]:
    return [Finding(item.path, sub.line, "error", "schema", f"{label}: company_set: true needs company_set_reason")
            for item, sub, label in company_set_values(book) if not sub.company_set_reason]


def _check_company(book: Handbook) -> list[Finding]:
    """The company file's settings: a typo'd zone or holiday must not shift every deadline silently."""
    import datetime as dt
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    c = book.company
    if not c.path:
        return []
    out = []
    try:
        ZoneInfo(c.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        out.append(Finding(c.path, c.line or None, "error", "schema",
                           f"company timezone '{c.timezone}' is not a known time zone (e.g. Asia/Shanghai)"))
    for key in ("holidays", "workdays"):
        for day in getattr(c, key):
            try:
                dt.date.fromisoformat(day)
            except ValueError:
                out.append(Finding(c.path, c.line or None, "error", "schema",
                                   f"company {key}: '{day}' is not a date YYYY-MM-DD"))
    if c.site_url and not c.site_url.endswith("/"):
        out.append(Finding(c.path, c.line or None, "error", "schema",
                           f"company site_url '{c.site_url}' must end with '/' (findings link to site_url + 'sla/#id')"))
    return out


def lint_handbook(book: Handbook, strict: bool = False, today: dt.date | None = None) -> list[Finding]:
    """All findings about a loaded model (besides those of loading it).

    ``strict`` adds one warning per written item and per company-set value, the list a company
    reviews before adopting the handbook; ``today`` (default: today in the company's time zone)
    decides which procedures are due for review.
    """
    from kefu.report.kpi import lint_kpis

    out = (_check_refs(book) + _check_contract(book) + _check_evaluations(book) + _check_company(book)
           + _check_company_set_reasons(book) + _check_use(book) + check_sources(book) + check_origins(book)
           + check_reviews(book, today or book.company.today()) + lint_kpis(book))
    if strict:
        out += written_findings(book) + company_set_findings(book)
    return out


def lint(root: str | Path = "procedures", config: str | Path | None = None,
         strict: bool = False, today: dt.date | None = None) -> tuple[Handbook, list[Finding]]:
    """Load and lint; findings sorted by file and line."""
    book, findings = load_handbook(root, config)
    if not Path(root).is_dir():  # nothing was read: the model's findings would only be noise
        return book, findings
    findings += lint_handbook(book, strict, today)
    findings.sort(key=lambda f: (f.path, f.line or 0, f.rule))
    return book, findings
