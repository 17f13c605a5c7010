"""Reading the audit log and an import's changes in words: `案件 L1：责任人工号 E1 → E2`, `金额 ¥5,000.00`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.columns import AMOUNT_FIELDS, COLUMNS_OF_ENTITY, ROLE_LABELS
from core.compliance import flag_words
from core.money import format_yuan
from core.records import Change
from core.texts import CATALOGUES, render

# How a detail's value reads, by its key. Keys not named here still show, as `key：value`.
MONEY_KEYS = AMOUNT_FIELDS | {"amount", "promise", "promise_amount"}
NUMBERED_KEYS = frozenset({"repayment", "reversal", "contact", "complaint"})  # ids of ledger rows: `#12`
COUNTED_KEYS = frozenset(
    {
        "created",
        "updated",
        "unchanged",
        "contacts",
        "promises",
        "repayments",
        "kept",
        "partial",
        "broken",
        "replaced",
    }
)
# Keys whose stored values are codes of a vocabulary with texts (`method.cash` → 现金).
VOCABULARY_KEYS = {"method": "method", "outcome": "outcome", "channel": "channel", "approach": "approach"}
# Where one action's key means something else: a bind's channel is the chat channel, not a contact's.
ACTION_VOCABULARY = {("bind", "channel"): "audit.chat", ("case.assign", "reason"): "audit.assigned"}


def describe_change(change: Change, language: str) -> str:
    """One import change as the clerk reads it: `案件 L2023001：责任人工号 E1 → E2，贷款余额(元) ¥1.00 → ¥2.00`."""
    fields = render("audit.separator", language).join(
        _field_change(change.entity, name, old, new, language) for name, (old, new) in change.fields.items()
    )
    return render(
        "audit.change", language, entity=_entity_label(change.entity, language), ref=change.ref, fields=fields
    )


def describe_entry(
    action: str, entity: str, ref: str, detail: Mapping[str, Any], language: str
) -> tuple[str, str, str]:
    """An audit entry as (what was done, to what kind of thing, the details in words); unknown codes show as is.

    `ref` (the loan number, employee number, file or day) is not repeated in the words: the export shows it in a
    column of its own.
    """
    separator = render("audit.separator", language)
    if action == "import.update":
        items = [_update_item(entity, key, value, language) for key, value in detail.items()]
    else:
        items = [_item(action, key, value, language) for key, value in detail.items()]
    return (
        _label(f"audit.action.{action}", language, action),
        _entity_label(entity, language),
        separator.join(items),
    )


def describe_actor(actor: str, language: str) -> str:
    """Who did it: a person's name as is, the system's own actors (cli, schedule, demo) in words."""
    return _label(f"audit.actor.{actor}", language, actor)


def detail_of(stored: str | None) -> dict[str, Any]:
    """The stored JSON detail of an entry as a dict; anything else is kept under `detail`."""
    if not stored:
        return {}
    try:
        value = json.loads(stored)
    except ValueError:
        return {"detail": stored}
    return value if isinstance(value, dict) else {"detail": value}


def _has_text(key: str, language: str) -> bool:
    return key in CATALOGUES.get(language, CATALOGUES["zh"]) or key in CATALOGUES["zh"]


def _label(key: str, language: str, fallback: str) -> str:
    return render(key, language) if _has_text(key, language) else fallback


def _entity_label(entity: str, language: str) -> str:
    return _label(f"audit.entity.{entity}", language, entity)


def _field_name(entity: str, field: str, language: str) -> str:
    for column in COLUMNS_OF_ENTITY.get(entity, ()):
        if column.field == field:
            return column.header if language == "zh" else column.english
    return field


def _field_change(entity: str, field: str, old: Any, new: Any, language: str) -> str:
    return render(
        "audit.field_change",
        language,
        field=_field_name(entity, field, language),
        old=_field_value(entity, field, old, language),
        new=_field_value(entity, field, new, language),
    )


def _field_value(entity: str, field: str, value: Any, language: str) -> str:
    if value is None or value == "":
        if entity == "unit" and field == "target":
            # A unit without its own target is measured against the sum of its cases' balances.
            return render("audit.default_target", language)
        return render("audit.empty", language)
    if field in AMOUNT_FIELDS:
        return _money(value)
    if entity == "person" and field == "role":
        return render(f"role.{value}", language) if value in ROLE_LABELS else str(value)
    return _plain(value, language)


def _update_item(entity: str, key: str, value: Any, language: str) -> str:
    # An import change is stored as {field: [old, new]}.
    if isinstance(value, list | tuple) and len(value) == 2:
        return _field_change(entity, key, value[0], value[1], language)
    return render("audit.unknown_item", language, name=key, value=_plain(value, language))


def _item(action: str, key: str, value: Any, language: str) -> str:
    label_key = f"audit.key.{key}"
    if not _has_text(label_key, language):
        return render("audit.unknown_item", language, name=key, value=_plain(value, language))
    return render(
        "audit.item", language, name=render(label_key, language), value=_value(action, key, value, language)
    )


def _value(action: str, key: str, value: Any, language: str) -> str:
    if value is None or value == "":
        return render("audit.empty", language)
    if key in MONEY_KEYS:
        return _money(value)
    if key == "flags" and isinstance(value, list):
        return flag_words(tuple(str(name) for name in value), language)
    if key == "complaints" and isinstance(value, list):
        numbers = (render("audit.number", language, number=number) for number in value)
        return render("list.separator", language).join(numbers)
    if key in NUMBERED_KEYS and not isinstance(value, bool) and isinstance(value, int):
        return render("audit.number", language, number=value)
    if key in COUNTED_KEYS and not isinstance(value, bool) and isinstance(value, int):
        return render("audit.count", language, count=value)
    prefix = ACTION_VOCABULARY.get((action, key)) or VOCABULARY_KEYS.get(key)
    if prefix is not None and isinstance(value, str) and _has_text(f"{prefix}.{value}", language):
        return render(f"{prefix}.{value}", language)
    return _plain(value, language)


def _money(value: Any) -> str:
    try:
        return format_yuan(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _plain(value: Any, language: str) -> str:
    if value is None or value == "":
        return render("audit.empty", language)
    if isinstance(value, bool):
        return render("audit.yes" if value else "audit.no", language)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
