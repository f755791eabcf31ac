"""One catalogue of finding codes: what each means, its severity and its message templates.

Every finding kefu reports -- a file it cannot read, a record value, a broken
rule, a lint check -- names a code declared here once (in the manner of
frictionless' error catalogue): an id, a default severity, a Chinese line for the
handbook's page of codes, and message templates in Chinese and English that
are filled from the finding's parameters when it is rendered
(:meth:`kefu.findings.Finding.message`).  Nothing else builds message text, so
a wording is changed in one place and the site lists every code with an example.

Templates use :meth:`str.format` fields.  A parameter may be a :class:`Text`
(one value per language, e.g. a field's Chinese label and its key) or a plain
value (a time as written, a number).  Rules declared as data (timed rules of the
handbook and of a company file) share the ``timed:*`` templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]
Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class Text:
    """A parameter worth saying differently per language (a label and its key, a duration)."""

    zh: str
    en: str

    def __str__(self) -> str:  # a Text pasted into a template of the other kind still reads
        return self.zh


@dataclass(frozen=True)
class Template:
    """A message in both languages, formatted with the finding's parameters."""

    zh: str
    en: str

    def render(self, lang: str, params: dict[str, Any]) -> str:
        values = {k: (getattr(v, lang) if isinstance(v, Text) else v) for k, v in params.items()}
        return (self.en if lang == "en" else self.zh).format(**values)


@dataclass(frozen=True)
class Code:
    """A finding code: ``rule`` in the output is its id (``unreadable``, ``bad-value``, a rule id)."""

    id: str
    severity: Severity
    about: str  #: one Chinese line for the handbook's page of codes: what it means, what to do
    templates: dict[str, Template]  #: variant -> template; "" is the default
    example: dict[str, Any] = field(default_factory=dict)  #: parameters for the page's example
    group: str = "record"  #: record, rule, lint: where the code comes from (for the page)

    def template(self, variant: str = "") -> Template:
        return self.templates[variant]


#: code id -> Code; filled by :func:`declare` at import time of the modules that report them
CATALOGUE: dict[str, Code] = {}


def declare(id: str, severity: Severity, about: str, group: str = "record",
            example: dict[str, Any] | None = None, **templates: tuple[str, str]) -> Code:
    """Declare a code once; ``templates`` map variant names (``_`` is the default) to (zh, en)."""
    if id in CATALOGUE:
        raise ValueError(f"finding code {id!r} declared twice")
    code = Code(id, severity, about,
                {("" if k == "_" else k.replace("_", "-")): Template(*v) for k, v in templates.items()},
                example or {}, group)
    CATALOGUE[id] = code
    return code


def extend(id: str, example: dict[str, Any] | None = None, **templates: tuple[str, str]) -> Code:
    """More variants of a declared code (the loader's kinds of ``unreadable``), declared where they are reported."""
    code = CATALOGUE[id]
    for k, v in templates.items():
        variant = "" if k == "_" else k.replace("_", "-")
        if variant in code.templates:
            raise ValueError(f"finding code {id!r}: variant {variant!r} declared twice")
        code.templates[variant] = Template(*v)
    code.example.update(example or {})
    return code


def get(id: str) -> Code:
    """The code ``id``; an unknown id is a bug in kefu, never in the user's files."""
    return CATALOGUE[id]


# --------------------------------------------------------------------------------------------
# Codes every command shares.

declare("literal", "error", "其他问题（消息原样显示）", group="internal",
        _=("{zh}", "{en}"), example={"zh": "……", "en": "..."})


# --------------------------------------------------------------------------------------------
# Records: how kefu check reads a filled-in record (records.md, "Findings that are not about a rule").

declare("unreadable", "error", group="load", about="文件无法读取或不是记录表：看消息说明的原因（编码、YAML 格式、缺少 form 等），改好后再检查。",
        example={"zh": "文件不是 UTF-8 编码（可能是 GBK）；请另存为 UTF-8",
                 "en": "file is not UTF-8 (GBK?); save it as UTF-8"},
        _=("{zh}", "{en}"))
declare("unknown-key", "error", "记录里有表单没有的键，多半是拼错了：消息给出最接近的正确写法。",
        example={"key": "crm_ta", "near": Text("（是不是 crm_at？）", " (did you mean crm_at?)")},
        _=("未知的键 “{key}”{near}", "unknown key '{key}'{near}"))
declare("missing-key", "error", "必填的项没有写。",
        example={"key": "status", "label": "状态"},
        _=("缺少必填项 {key}（{label}）", "missing required key '{key}' ({label})"),
        empty=("必填项 {key}（{label}）是空的", "required key '{key}' ({label}) is empty"))
declare("bad-value", "error", "值的写法不对（类型、可选值、不存在的日期或时间、本班以外的时间等），这个值不参与其他检查。",
        example={"key": "at", "label": "受理时间", "detail": Text("“25:70” 不是有效的时间（时 0-23，分 0-59）",
                                                               "'25:70' is not a valid time (hours 0-23, minutes 0-59)")},
        _=("{key}（{label}）：{detail}", "{key}: {detail}"),
        repeated_no=("序号 {no} 重复（第一次在第 {first} 行）", "entry number {no} repeats (first on line {first})"))
declare("no-calendar", "warning", "这一年没有法定节假日和调休数据，工作日暂按周一至周五计算；公司可在公司设置里自己列出这一年的假日。",
        example={"year": 2100},
        _=("{year} 年没有法定节假日和调休数据，工作日暂按周一至周五计算",
           "no working calendar for {year}: working days counted Monday to Friday"))

# --------------------------------------------------------------------------------------------
# Timed rules: every rule declared as data (handbook or company file) speaks with these.

TIMED = declare(
    "timed", "error", "时限规则（手册或公司设置中声明）：从开始时间起，在时限内须写下结束时间。",
    group="rule",
    example={"start": Text("投诉受理 23:30", "at 23:30"), "stop_label": Text("录入 CRM", "crm_at"), "stop": "02:10",
             "over": Text("40 分钟", "40 min"), "limit": Text("2 小时", "2 h")},
    _=("{start}，{stop_label} {stop}，超时 {over}，时限 {limit}", "{start}, {stop_label} {stop}: {over} late, limit {limit}"),
    missing=("{start}，时限 {limit}（至 {due}），截至 {as_of} 仍未填写{stop_label}（{stop_key}）",
             "{start}, limit {limit} (until {due}); no {stop_key} as of {as_of}"),
    pending_closed=("{start}，{stop_label}的期限 {due} 还没到且未填写 {stop_key}，事项应保持“未完成”并交接，不能标为已完成",
                    "{start}; {stop_key} is due by {due} and not written yet: keep the entry open and hand it over "
                    "instead of closing it"),
    agreed_missing=("{start}，未写{agreed_label} {agreed_key}（须在 {limit} 内，至 {latest}）",
                    "{start}: no {agreed_key} agreed (within {limit}, by {latest})"),
    agreed_late=("{start}，{agreed_label} {agreed} 超出时限 {limit}（最晚 {latest}）",
                 "{start}: {agreed_key} {agreed} is beyond {limit} (latest {latest})"),
)

# --------------------------------------------------------------------------------------------
# Rules implemented in code (kefu.check.rules): their messages.

declare("repair-appointment", "error", "报修须与业主约定上门时间。", group="rule",
        example={"at": "09:00"},
        _=("报修 {at} 未与业主约定上门时间（appointment_at 未填写）", "repair at {at}: no appointment_at agreed with the owner"))
declare("repair-sign-off", "error", "维修完成须业主签单。", group="rule",
        example={"done": "10:20", "written": Text("未填写", "missing")},
        _=("报修 {done} 完成，业主签单 signed 应为 true，实为 {written}",
           "repair done {done}: signed must be true, found {written}"))
declare("unsatisfied-callback", "error", "回访不满意的事项不能关闭。", group="rule",
        example={"callback": "15:00"},
        _=("回访 {callback} 业主不满意，事项应保持“未完成”并按新投诉处理，实为“已完成”",
           "callback {callback} unsatisfied: the entry must stay open (handled as a new complaint), found closed"))
declare("order-of-events", "error", "记录的先后顺序要合乎事实，还没发生的事不能记录。", group="rule",
        example={"label": Text("到场时间", "arrived_at"), "value": "09:00", "before_label": Text("转交时间", "dispatched_at"),
                 "before": "09:30"},
        _=("{label} {value} 早于{before_label} {before}", "{label} {value} is before {before_label} {before}"),
        future=("{label} {value} 晚于检查时间 {as_of}：还没发生的事不能记录",
                "{label} {value} is after the check time {as_of}"),
        resolved=("处理完毕时间 {resolved} 早于发生时间 {occurred}", "resolved_at {resolved} is before occurred_at {occurred}"))
declare("online-browsing", "error", "值班期间按时浏览网络信息。", group="rule",
        example={"a": Text("接班 08:00", "shift start 08:00"), "b": Text("浏览 11:30", "check 11:30"),
                 "gap": Text("3 小时 30 分钟", "3 h 30 min"), "limit": Text("3 小时", "3 h")},
        _=("网络信息浏览间隔过长：{a} 至 {b} 相隔 {gap}，时限 {limit}",
           "online channels not browsed for {gap}: {a} to {b}, limit {limit}"))
declare("handover", "error", "未完成的事项都要写进交接班记录，交接班记录列出的事项要存在。", group="rule",
        example={"no": 3, "to": "张敏"},
        _=("第 {no} 项未完成，但没有写进交接班记录 handover.open（交给 {to}）",
           "entry {no} is open but not in handover.open (handed to {to})"),
        unknown=("交接班记录列出第 {ref} 项，但本记录表没有这一项", "handover.open lists entry {ref}, which is not in this log"),
        unknown_ref=("交接班记录列出 {ref}，但该记录表没有这一项", "handover.open lists {ref}, which that log does not have"))
declare("handover-followup", "error", "上一班交接的未完成事项，下一班要跟进（写一项跟进记录），或继续写进交接班记录。",
        group="rule", example={"item": "2026-11-23/白班/2", "prev": "2026-11-23 白班"},
        _=("{prev} 交接的未完成事项 {item} 在本班既没有跟进记录，也没有继续交接",
           "item {item}, open at the handover of {prev}, is neither followed up nor handed on in this log"))
declare("follows", "error", "跟进记录写的 follows 要指向检查范围内真实存在的一项。", group="rule",
        example={"ref": "2026-11-25/夜班/3", "log": "2026-11-25 夜班"},
        _=("跟进的 {ref} 不存在：{log} 的记录表里没有这一项", "follows {ref}: that log has no such entry"),
        self=("跟进的 {ref} 就是本项自己", "follows {ref}: that is this entry itself"))
declare("personal-data", "error", "记录里不能写完整的身份证号码或车牌号码。", group="rule",
        example={"what": Text("身份证号码", "resident ID number"), "masked": "1101**********1234"},
        _=("记录中有完整的{what} {masked}：只写部分号码（如 {masked}），完整信息留在业主档案",
           "a full {what} ({masked}) is written in the record: write it masked, like {masked}"))
declare("incident-notify", "error", "突发事件按类别和发生地点（公司或管理处）通知规定的部门。", group="rule",
        example={"code": "A", "name": "业主无预约来访", "dept": "品质部", "where": Text("公司", "at the company office"),
                 "notified": Text("无", "none")},
        _=("{code} 类事件（{name}）在{where}须通知 {dept}，已通知：{notified}",
           "class {code} ({name}) {where} must notify {dept}; notified: {notified}"))
declare("inspection-scheme", "error", "考评表的项目和满分要与手册中该岗位的考评方案一致。", group="rule",
        example={"name": "客服经理", "near": ""},
        _=("手册中没有岗位 “{name}”{near}，无法核对考评方案", "the handbook has no role '{name}'{near}; cannot check the scheme"),
        no_scheme=("手册中没有岗位 “{name}” 的考评方案", "the handbook has no evaluation scheme for '{name}'"),
        component=("“{component}” 不是{scheme}的考评项目{near}", "'{component}' is not a component of {scheme}{near}"),
        repeated=("项目 “{component}” 重复", "component '{component}' appears twice"),
        max=("项目 “{component}” 满分应为 {max}，表上写 {written}", "component '{component}' is worth {max}, the sheet says {written}"),
        missing=("缺少考评项目：{listed}", "missing components: {listed}"),
        sum=("各项满分合计应为 100，表上合计 {total}", "the maxima add up to {total}, not 100"))
declare("inspection-deduction", "error", "每次扣分要符合违规级别的分值，项目得分扣完为止。", group="rule",
        example={"level": "一般违规", "span": "1–2", "points": "3"},
        _=("{level}每次扣 {span} 分，表上扣 {points} 分", "{level} deducts {span} point(s) each time, the sheet deducts {points}"),
        no_level=("考评方案没有违规级别 “{level}”", "the scheme has no level '{level}'"),
        below_zero=("项目得分 {score} 低于零：扣完为止，最低 0 分", "score {score} is below zero: a component stops at 0"))
declare("inspection-total", "error", "总分等于各项得分之和。", group="rule",
        example={"left": "92", "written": "95"},
        _=("总分应为各项得分之和 {left}，表上写 {written}",
           "total should be the sum of the scores, {left}; the sheet says {written}"),
        score=("得分应为 {left}（满分 {max} 减扣分，扣完为止），表上写 {written}",
               "score should be {left} (max {max} less deductions, not below 0), the sheet says {written}"))
declare("internal", "error", "检查时出现内部错误：这是 kefu 的问题，请把消息报告给维护人员。", group="record",
        example={"where": "engine.py:10", "type": "KeyError"},
        _=("检查时出现内部错误（{type}，{where}），请报告此问题", "internal error while checking ({type} at {where}); please report it"))


# --------------------------------------------------------------------------------------------
# The company file's rules part (company-rules.md), checked by kefu lint; kefu check refuses to run on it.

declare("company-rule", "error", "公司设置中的时限规则写错了：字段、可选值、单位、时限或规则编号，消息给出最接近的正确写法。",
        group="lint", example={"what": "when", "key": "urgncy", "form": "shift-log", "near": "urgency"},
        _=("规则写法有误", "the rule is not valid"),
        field=("{what} 中的字段 “{key}” 不是表单 {form} 的字段{near}",
               "{what}: '{key}' is not a field of form {form}{near}"),
        field_other_form=("{what} 中的字段 “{key}” 属于表单 {other}，不是 {form} 的字段",
                          "{what}: '{key}' is a field of form {other}, not of {form}"),
        not_time=("{what} 须是时间字段，“{key}” 不是", "{what} must name a time field; '{key}' is not one"),
        value=("“{key}” 没有可选值 “{value}”{near}", "'{key}' has no value '{value}'{near}"),
        no_form=("规则 {id} 写了 when 或 variants，但没有写 form（适用的记录表）",
                 "rule {id} has when or variants but no form"),
        form=("{id}：没有记录表 “{form}”{near}", "{id}: there is no record form '{form}'{near}"),
        limit=("规则 {id} 的时限必须大于 0，写的是 {value}", "rule {id}: a limit must be more than 0, got {value}"),
        variant_when=("规则 {id} 的 variants 每一项都要写 when（在什么情况下用这个时限）",
                      "rule {id}: every entry of variants needs a when"),
        unknown=("没有编号为 “{id}” 的规则{near}", "there is no rule '{id}'{near}"),
        shipped_id=("add_rules 中的 {id} 已是手册自带的规则：修改它请写在 rules: 下，另立新规则请换一个编号",
                    "add_rules: {id} is already a shipped rule (change it under rules:, or choose a new id)"),
        duplicate_id=("add_rules 中的编号 {id} 重复", "add_rules: the id {id} is used twice"),
        required=("add_rules 中的 {id} 缺少 {keys}", "add_rules: {id} lacks {keys}"),
        field_exists=("表单 {form} 已有字段 “{key}”", "form {form} already has a field '{key}'"),
        enum_values=("字段 {key} 是选择项（enum），须写 values（可选值及中文名称）",
                     "field {key} is an enum and needs values (key: Chinese label)"))

#: the modules that declare codes when imported (declare() runs at their import)
DECLARING = ("kefu.load.yamlio", "kefu.load.handbook", "kefu.load.rules", "kefu.lint", "kefu.check.engine",
             "kefu.check.rules", "kefu.check.timed", "kefu.check.items")

#: where a code comes from, in the order and words of the handbook's page of codes
GROUPS = {"load": "读取文件（所有命令）", "lint": "手册内容（kefu lint）", "record": "值班记录等记录（kefu check）",
          "rule": "时限与规则（kefu check）"}


def load_all() -> dict[str, Code]:
    """The whole catalogue: every module that declares codes imported, so none is missing from the page."""
    import importlib

    for name in DECLARING:
        importlib.import_module(name)
    return CATALOGUE


def example(code: Code, variant: str, lang: str = "zh") -> str:
    """A variant's message filled with the code's example parameters (the template itself when one is missing)."""
    template = code.template(variant)
    try:
        return template.render(lang, code.example)
    except (KeyError, IndexError, ValueError):
        return template.zh if lang == "zh" else template.en
