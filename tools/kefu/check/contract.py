"""What the record contracts (records.md, items.md) fix: the rule ids the checker applies.

Ids and what they check are a contract with supervisors' scripts; limits are
not here (they live in ``procedures/rules/`` and the company file).
"""

from __future__ import annotations

#: rule id -> (record form, needs a limit from the model)
CONTRACT_RULES: dict[str, tuple[str, bool]] = {
    "complaint-crm-entry": ("shift-log", True),
    "suggestion-crm-entry": ("shift-log", True),
    "suggestion-reply": ("shift-log", True),
    "repair-appointment": ("shift-log", False),
    "repair-on-time": ("shift-log", False),
    "repair-sign-off": ("shift-log", False),
    "callback": ("shift-log", True),
    "unsatisfied-callback": ("shift-log", False),
    "inquiry-reply": ("shift-log", False),
    "online-reply": ("shift-log", True),
    "online-browsing": ("shift-log", True),
    "warranty-feedback": ("shift-log", True),
    "warranty-completion": ("shift-log", True),
    "renovation-reply": ("shift-log", True),
    "order-of-events": ("shift-log", False),
    "handover": ("shift-log", False),
    "handover-followup": ("shift-log", False),
    "follows": ("shift-log", False),
    "personal-data": ("shift-log", False),
    "incident-report-time": ("incident-report", True),
    "incident-notify": ("incident-report", False),
    "inspection-scheme": ("inspection", False),
    "inspection-deduction": ("inspection", False),
    "inspection-total": ("inspection", False),
}

#: the record forms of the contract
RECORD_FORMS = ("shift-log", "incident-report", "inspection")
