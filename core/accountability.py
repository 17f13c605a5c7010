"""Accountability records (问责, SPEC §10): the reasons and actions a leader may record on a unit or a person.

A record is never edited or deleted; a correction is a new record that names the one it corrects.
"""

from __future__ import annotations

# Reasons, in the order the campaign's rules list them, with their Chinese words.
REASONS = {
    "not_deployed": "部署不落实",
    "inadequate": "工作不到位",
    "weak_measures": "措施不得力",
    "poor_results": "效果不明显",
    "obstruction": "肆意阻挠",
    "passive": "消极应付",
    "falsification": "弄虚作假",
}
# Actions, lightest first.
ACTIONS = {
    "criticism": "通报批评",
    "talk": "约谈",
    "admonition": "诫勉",
    "reassignment": "组织调整",
    "discipline": "纪律处分",
}
REASON_CODES = tuple(REASONS)
ACTION_CODES = tuple(ACTIONS)

# What a message may write for each: the Chinese word, the code, or a common shorter form.
_REASON_WORDS = {
    **{word: code for code, word in REASONS.items()},
    **{code: code for code in REASONS},
    "不落实": "not_deployed",
    "不到位": "inadequate",
    "不得力": "weak_measures",
    "不明显": "poor_results",
    "阻挠": "obstruction",
    "消极": "passive",
    "造假": "falsification",
}
_ACTION_WORDS = {
    **{word: code for code, word in ACTIONS.items()},
    **{code: code for code in ACTIONS},
    "通报": "criticism",
    "诫勉谈话": "admonition",
    "调整": "reassignment",
    "处分": "discipline",
}


def reason_of(word: str) -> str | None:
    """The reason a word names, or None."""
    return _REASON_WORDS.get(word.strip().lower() if word.isascii() else word.strip())


def action_of(word: str) -> str | None:
    """The action a word names, or None."""
    return _ACTION_WORDS.get(word.strip().lower() if word.isascii() else word.strip())
