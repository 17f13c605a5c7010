"""The ledger's fixed vocabularies (SPEC §2), as stored values."""

ROLES = ("officer", "unit_lead", "leader", "admin")
CLASSIFICATIONS = ("正常", "关注", "次级", "可疑", "损失")
DIFFICULTIES = ("易", "中", "难")
CASE_STATUSES = ("open", "in_progress", "promised", "settled", "litigation", "asset_swap", "paused")
CONTACT_CHANNELS = ("visit", "phone", "message", "mediation", "letter", "court")
CONTACT_OUTCOMES = (
    "reached",
    "promise",
    "refused",
    "no_answer",
    "absent",
    "unreachable",
    "dispute",
    "hardship",
    "acknowledged",
    "deceased",
    "paid",
)
# The four methods of the campaign (感情交流, 辅助核算, 协助讨债, 多方调解), optional on a contact.
CONTACT_APPROACHES = ("rapport", "accounting", "debt_help", "mediation")
# `replaced`: a newer promise on the same case took its place before its date.
PROMISE_STATUSES = ("open", "kept", "partial", "broken", "replaced")
REPAYMENT_METHODS = ("cash", "transfer", "asset", "court", "guarantor", "other")
REPAYMENT_STATUSES = ("reported", "confirmed", "rejected")
