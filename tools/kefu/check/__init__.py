"""Records against the handbook: reading, items, rules, working days, personal data."""
