"""/accountability UNIT_OR_EMP REASON ACTION [note] (问责): leaders and admins record an accountability measure
on a unit or a person (SPEC §10); `问责` alone lists the latest; `问责 更正 N …` records a correction of record N.
Records are never changed or deleted."""

from __future__ import annotations

from core.accountability import ACTIONS, REASONS, action_of, reason_of
from core.errors import UserError
from core.messages import Response
from handlers.context import Context
from handlers.registry import Command, Feature
from store.accountability import Accountability

LISTED = 10
CORRECTION_WORDS = ("更正", "correct")
RECORDERS = ("leader", "admin")


def accountability(ctx: Context, args: list[str]) -> Response:
    """Record a measure, or list the latest ones."""
    if not args:
        return Response.text(_listing(ctx))
    corrects = None
    if args[0] in CORRECTION_WORDS:
        if len(args) < 2 or not args[1].lstrip("#").isdigit():
            raise UserError("accountability.usage", reasons=_words(REASONS), actions=_words(ACTIONS))
        corrects = int(args[1].lstrip("#"))
        args = args[2:]
    if len(args) < 3:
        raise UserError("accountability.usage", reasons=_words(REASONS), actions=_words(ACTIONS))
    subject, reason_word, action_word, *note = args
    reason, action = reason_of(reason_word), action_of(action_word)
    if reason is None:
        raise UserError("accountability.unknown_reason", word=reason_word, reasons=_words(REASONS))
    if action is None:
        raise UserError("accountability.unknown_action", word=action_word, actions=_words(ACTIONS))
    record = ctx.store.record_accountability(
        ctx.me,
        _subject(ctx, subject),
        reason,
        action,
        " ".join(note),
        corrects=corrects,
        source_key=ctx.incoming.key,
    )
    return Response.text(ctx.t("accountability.recorded", record=line(ctx, record)))


def _listing(ctx: Context) -> str:
    records = ctx.store.accountability_of(limit=LISTED)
    if not records:
        return ctx.t("accountability.none")
    return "\n".join([ctx.t("accountability.list_title"), *(line(ctx, r) for r in records)])


def _subject(ctx: Context, word: str) -> str:
    """The employee number, or the unit's full name from a part of it only one unit's name holds."""
    if ctx.store.person_by_employee_no(word) is not None:
        return word
    named = ctx.store.units_named(word)
    if len(named) > 1:
        raise UserError("target.several_units", unit=word)
    return named[0] if named else word


def line(ctx: Context, record: Accountability) -> str:
    """One record in a line: number, day, whom, why, what, by whom, and what it corrects."""
    text = ctx.t(
        "accountability.line",
        number=record.id,
        day=record.at.astimezone(ctx.campaign.zone).date().isoformat(),
        subject=record.subject,
        reason=REASONS[record.reason],
        action=ACTIONS[record.action],
        by=record.recorded_by,
    )
    if record.note:
        text += ctx.t("accountability.note", note=record.note)
    if record.corrects_id is not None:
        text += ctx.t("accountability.corrects", number=record.corrects_id)
    if record.corrected_by is not None:
        text += ctx.t("accountability.corrected_by", number=record.corrected_by)
    return text


def _words(table: dict[str, str]) -> str:
    return "、".join(table.values())


FEATURE = Feature(
    commands=(
        Command(
            "accountability",
            accountability,
            keywords=("问责",),
            writes=True,
            refused={
                "officer": "accountability.leaders_only",
                "unit_lead": "accountability.leaders_only",
            },
            listed_for=RECORDERS,
        ),
    )
)
