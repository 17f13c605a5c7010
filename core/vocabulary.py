"""The ledger's fixed vocabularies (SPEC §2), as stored values."""

ROLES = ("officer", "unit_lead", "leader", "admin")
CLASSIFICATIONS = ("正常", "关注", "次级", "可疑", "损失")
DIFFICULTIES = ("易", "中", "难")
CASE_STATUSES = ("open", "in_progress", "promised", "settled", "litigation", "asset_swap", "paused")
CONTACT_CHANNELS = ("visit", "phone", "message", "mediation", "letter", "court")
CONTACT_OUTCOMES = ("reached", "promise", "refused", "unreachable", "dispute", "hardship", "paid")
PROMISE_STATUSES = ("open", "kept", "partial", "broken")
REPAYMENT_METHODS = ("cash", "transfer", "asset", "court", "guarantor", "other")
REPAYMENT_STATUSES = ("reported", "confirmed", "rejected")
