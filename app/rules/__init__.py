"""Eligibility rules: pure functions over policy data, selected by the date of the visit.

Every decision is a `RuleResult` carrying the rule id of domain.md §7 and a Chinese
explanation (the language of the law, printed on the review form as it is).
"""
