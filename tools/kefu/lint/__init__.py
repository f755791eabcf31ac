"""``kefu lint``: everything an editor of procedures/ can get wrong, in one run.

Schema and duplicate-id problems come from :func:`kefu.load.load_handbook`;
this module adds what needs the whole model: references between items, the
contract's rules, evaluation sums and unused items; :mod:`kefu.lint.provenance` the source
map, origins and review dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kefu import codes
from kefu.check.contract import CONTRACT_RULES, RECORD_FORMS
from kefu.codes import Text
from kefu.findings import Finding, hint, make
from kefu.lint.provenance import (
    check_origins,
    check_reviews,
    check_sources,
    company_set_values,
    content_items,
    written_findings,
)
from kefu.load import load_handbook
from kefu.load.handbook import KIND
from kefu.model import Handbook

codes.declare(
    "contract-rule-missing", "error",
    "kefu check 要用的时限在手册里缺了或写得不全：补上这条时限（见 records.md）及其 form、start、stop、limit。",
    group="lint", example={"id": "complaint-crm-entry", "form": "shift-log"},
    _=("records.md 的时限 “{id}”（{form}）没有定义", "rule '{id}' of records.md ({form}) is not defined"),
    unchecked=("时限 “{id}” 由 kefu check 检查：需要写 form、start（或 agreed）、stop 和 limit",
               "rule '{id}' is applied by kefu check: it needs form, start (or agreed), stop and limit"),
)
codes.declare(
    "limit-missing", "error", "这条时限由 kefu check 按时长检查，需要写 limit（数值和单位）。",
    group="lint", example={"id": "callback"},
    _=("时限 “{id}” 需要 limit: {{value, unit}}", "rule '{id}' needs a limit {{value, unit}}"),
)
codes.declare(
    "contract-form-missing", "error", "kefu check 要用的记录表在手册里缺了，或不是 kind: record。",
    group="lint", example={"id": "shift-log"},
    _=("records.md 的记录表 “{id}” 没有定义", "record form '{id}' of records.md is not defined"),
    kind=("表单 “{id}” 必须写 kind: record", "form '{id}' must have kind: record"),
)
codes.declare(
    "evaluation-sum", "error", "考评各项的满分加起来应是 100 分。",
    group="lint", example={"id": "cs-monthly", "total": 95},
    _=("考评 “{id}”：各项满分合计 {total} 分，不是 100 分",
       "evaluation '{id}': component maxima add up to {total}, not 100"),
)
codes.declare(
    "no-source", "error", "手册自带的每一项都要注明出处（种子文件和章节），便于核对原文。公司自己新增的内容不需要。",
    group="lint", example={"kind": KIND["procedures"], "id": "complaint"},
    _=("{kind} “{id}” 没有写出处：列出它来自的文件章节（sources），或标为 origin: written",
       "{kind} '{id}' has no sources: list the document sections it comes from, or mark it origin: written"),
)
codes.declare(
    "unused-script", "warning", "这句话术没有在任何规程步骤里用到：在步骤的 say 里引用它，或删掉。",
    group="lint", example={"id": "phone-hold"},
    _=("话术 “{id}” 没有在任何规程步骤里用到", "script '{id}' is not said in any procedure step"),
)
codes.declare(
    "unused-form", "warning", "这张表单没有在任何规程里填写：在规程的 forms 或步骤的 form 里引用它，或删掉。",
    group="lint", example={"id": "visitor-register"},
    _=("表单 “{id}” 没有在任何规程里填写", "form '{id}' is not filled in any procedure"),
)
codes.declare(
    "company-set", "warning", "种子里没有写明、由 kefu 暂定的值：公司要确认（kefu lint --strict 列出全部）。",
    group="lint", example={"label": Text("时限 “callback”", "rules 'callback'"), "reason": "种子只写“及时回访”"},
    _=("{label} 是暂定的默认值，须公司确认：{reason}", "{label} is a default the company must confirm: {reason}"),
)


@dataclass
class _Ref:
    """A reference from an item to an id of some kind; ``what`` says who refers, in both languages."""

    path: str
    line: int
    kind: str
    target: str
    what: Text


def _w(zh: str, en: str) -> Text:
    return Text(zh, en)


def _refs(book: Handbook) -> Iterable[_Ref]:
    for r in book.roles.values():
        who = (f"岗位 “{r.id}”", f"role '{r.id}'")
        if r.reports_to:
            yield _Ref(r.path, r.line, "roles", r.reports_to, _w(f"{who[0]}的上级岗位", f"{who[1]} reports to role"))
        for x in r.supervises:
            yield _Ref(r.path, r.line, "roles", x, _w(f"{who[0]}管理的岗位", f"{who[1]} supervises role"))
        for x in r.first_week:
            yield _Ref(r.path, r.line, "procedures", x, _w(f"{who[0]}第一周的规程",
                                                            f"{who[1]} first week names procedure"))
        for t in r.routine:
            if t.procedure:
                yield _Ref(r.path, t.line, "procedures", t.procedure, _w(f"{who[0]}日常工作的规程",
                                                                          f"{who[1]} routine names procedure"))
    for p in book.procedures.values():
        zh, en = f"规程 “{p.id}”", f"procedure '{p.id}'"
        if p.category:
            yield _Ref(p.path, p.line, "categories", p.category, _w(f"{zh}的服务类别", f"{en} has category"))
        if p.owner:
            yield _Ref(p.path, p.line, "roles", p.owner, _w(f"{zh}的负责岗位", f"{en} has owner role"))
        for x in p.roles:
            yield _Ref(p.path, p.line, "roles", x, _w(f"{zh}的岗位", f"{en} names role"))
        for x in p.forms:
            yield _Ref(p.path, p.line, "forms", x, _w(f"{zh}用的表单", f"{en} uses form"))
        for x in p.related:
            yield _Ref(p.path, p.line, "procedures", x, _w(f"{zh}的相关规程", f"{en} relates to procedure"))
        for n, s in enumerate(p.steps, 1):
            szh, sen = f"{zh} 第 {n} 步", f"{en} step {n}"
            yield _Ref(p.path, s.line, "roles", s.actor, _w(f"{szh}的执行岗位", f"{sen} names role"))
            for x in s.say:
                yield _Ref(p.path, s.line, "scripts", x, _w(f"{szh}的话术", f"{sen} says script"))
            for x in s.rules:
                yield _Ref(p.path, s.line, "rules", x, _w(f"{szh}的时限", f"{sen} names rule"))
            if s.form:
                yield _Ref(p.path, s.line, "forms", s.form, _w(f"{szh}填的表单", f"{sen} fills form"))
            for b in s.branches:
                if b.procedure:
                    yield _Ref(p.path, b.line, "procedures", b.procedure, _w(f"{szh}转到的规程",
                                                                              f"{sen} branches to procedure"))
                for x in b.say:
                    yield _Ref(p.path, b.line, "scripts", x, _w(f"{szh}分支的话术", f"{sen} branch says script"))
    for script in book.scripts.values():
        if script.instead:
            yield _Ref(script.path, script.line, "scripts", script.instead,
                       _w(f"话术 “{script.id}” 的替代说法", f"script '{script.id}' says instead script"))
    for form in book.forms.values():
        if form.evaluation:
            yield _Ref(form.path, form.line, "evaluations", form.evaluation,
                       _w(f"表单 “{form.id}” 打印的考评", f"form '{form.id}' prints evaluation"))
    for e in book.evaluations.values():
        zh, en = f"考评 “{e.id}”", f"evaluation '{e.id}'"
        for x in e.roles:
            yield _Ref(e.path, e.line, "roles", x, _w(f"{zh}考评的岗位", f"{en} scores role"))
        for i in e.inspections:
            yield _Ref(e.path, i.line, "roles", i.by, _w(f"{zh}的检查岗位", f"{en} inspection by role"))
        for c in e.components:
            for x in c.procedures:
                yield _Ref(e.path, c.line, "procedures", x, _w(f"{zh}的考评项 “{c.id}” 检查的规程",
                                                                f"{en} component '{c.id}' checks procedure"))
    for cat in book.categories.values():
        zh, en = f"服务类别 “{cat.id}”", f"category '{cat.id}'"
        for x in cat.rules:
            yield _Ref(cat.path, cat.line, "rules", x, _w(f"{zh}的时限", f"{en} names rule"))
        for x in cat.procedures:
            yield _Ref(cat.path, cat.line, "procedures", x, _w(f"{zh}的规程", f"{en} names procedure"))
    for inc in book.incident_classes.values():
        if inc.procedure:
            yield _Ref(inc.path, inc.line, "procedures", inc.procedure,
                       _w(f"突发事件分类 “{inc.id}” 的处置规程", f"incident class '{inc.id}' follows procedure"))


def _check_refs(book: Handbook) -> list[Finding]:
    out = []
    for ref in _refs(book):
        table = book.kind(ref.kind)
        if ref.target in table:
            continue
        names = list(table)
        found = hint(ref.target, names)
        if ref.kind == "roles":  # editors write Chinese names; suggest the id of the closest name
            by_name = {r.name: r.id for r in book.roles.values()}
            by_name.update({a: r.id for r in book.roles.values() for a in r.aliases})
            found = hint(ref.target, list(by_name) + names)
            exact = by_name.get(ref.target)
            if exact:
                found = Text(f"（请写岗位 id：{exact}）", f" (use the id {exact})")
        out.append(make("ref-unknown", ref.path, ref.line, what=ref.what, target=ref.target, hint=found))
    for p in book.procedures.values():
        for n, s in enumerate(p.steps, 1):
            for b in s.branches:
                if b.step is not None and not 1 <= b.step <= len(p.steps):
                    out.append(make("ref-unknown", p.path, b.line, "step",
                                    what=Text(f"规程 “{p.id}” 第 {n} 步", f"procedure '{p.id}' step {n}"),
                                    step=b.step, steps=len(p.steps)))
    return out


def _check_contract(book: Handbook) -> list[Finding]:
    out = []
    anchor = next(iter(book.rules.values()), None)
    path = anchor.path if anchor else "procedures/rules"
    for rule_id, (form, needs_limit) in CONTRACT_RULES.items():
        rule = book.rules.get(rule_id)
        if rule is None:
            out.append(make("contract-rule-missing", path, None, id=rule_id, form=form))
            continue
        if rule.enabled and not rule.checked:
            out.append(make("contract-rule-missing", rule.path, rule.line, "unchecked", id=rule_id))
        if needs_limit and rule.limit is None:
            out.append(make("limit-missing", rule.path, rule.line, id=rule_id))
    for form_id in RECORD_FORMS:
        record_form = book.forms.get(form_id)
        if record_form is None:
            out.append(make("contract-form-missing", "procedures/forms", None, id=form_id))
        elif record_form.kind != "record":
            out.append(make("contract-form-missing", record_form.path, record_form.line, "kind", id=form_id))
    return out


def _check_evaluations(book: Handbook) -> list[Finding]:
    out = []
    for e in book.evaluations.values():
        label = Text(f"考评 “{e.id}”", f"evaluation '{e.id}'")
        total = sum(c.max for c in e.components)
        if total != 100:
            out.append(make("evaluation-sum", e.path, e.line, id=e.id, total=total))
        ids = [c.id for c in e.components]
        for c in e.components:
            if ids.count(c.id) > 1:
                out.append(make("duplicate-id", e.path, c.line, "component", label=label, id=c.id))
        for lv in e.levels:
            if lv.min > lv.max:
                out.append(make("schema", e.path, lv.line, "level",
                                label=Text(f"考评 “{e.id}” 的等级 “{lv.id}”", f"evaluation '{e.id}' level '{lv.id}'"),
                                value=lv.min, allowed=lv.max))
        for cas in e.cascade:
            if cas.component not in ids:
                out.append(make("ref-unknown", e.path, cas.line,
                                what=Text(f"考评 “{e.id}” 连带扣分的考评项",
                                          f"evaluation '{e.id}' cascades to component"),
                                target=cas.component, hint=hint(cas.component, ids)))
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
            out.append(make("unused-script", item.path, item.line, id=item.id))
        if kind == "forms" and item.id not in used_forms:
            out.append(make("unused-form", item.path, item.line, id=item.id))
    return out


def company_set_findings(book: Handbook) -> list[Finding]:
    """Every value kefu chose because a document lost it or never gave it: what the company must decide."""
    return [make("company-set", item.path, sub.line, label=label,
                 reason=sub.company_set_reason or Text("没有写原因", "no reason given"))
            for item, sub, label in company_set_values(book)]


def _check_company_set_reasons(book: Handbook) -> list[Finding]:
    return [make("schema", item.path, sub.line, "reason", label=label)
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
        out.append(make("schema", c.path, c.line or None, "timezone", name=c.timezone))
    for key in ("holidays", "workdays"):
        for day in getattr(c, key):
            try:
                dt.date.fromisoformat(day)
            except ValueError:
                out.append(make("schema", c.path, c.line or None, "date", key=key, value=day))
    if c.site_url and not c.site_url.endswith("/"):
        out.append(make("schema", c.path, c.line or None, "site-url", value=c.site_url))
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
