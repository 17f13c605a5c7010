"""/log LOAN CHANNEL OUTCOME [amount date] [note] (联系): record a contact, a promise to pay with it."""

from __future__ import annotations

from core.compliance import flag_words
from core.dates import parse_promise_date
from core.errors import UserError
from core.intent import read_channel, read_message, read_outcome
from core.messages import Button, Response
from core.money import format_yuan, parse_amount
from core.permissions import WORKERS
from core.views import CaseView, ContactEntry
from handlers.context import Context
from handlers.registry import LEADER_READS_ONLY, Choice, Command, Feature

QUICK_CONTACTS = (
    ("visit", "reached"),
    ("phone", "reached"),
    ("phone", "no_answer"),
    ("visit", "absent"),
    ("visit", "refused"),
    ("visit", "acknowledged"),
)


def log_contact(ctx: Context, args: list[str]) -> Response:
    """Record a contact from the command's words."""
    if len(args) < 3:
        raise UserError("log.usage")
    case = ctx.case_to_record(args[0], ctx.incoming.key)
    channel = read_channel(args[1])
    if channel is None:
        raise UserError("log.unknown_channel", word=args[1])
    outcome = read_outcome(args[2], channel)
    if outcome is None:
        raise UserError("log.unknown_outcome", word=args[2])
    rest = args[3:]
    amount = day = None
    if outcome == "promise":
        if len(rest) < 2:
            raise UserError("log.promise_usage")
        amount = parse_amount(rest[0])
        day = parse_promise_date(rest[1], ctx.today())
        rest = rest[2:]
    note = " ".join(rest)
    # The note may name one of the four approaches, and who took part in a mediation.
    said = read_message(note, ctx.today()) if note else None
    entry = ctx.store.record_contact(
        case.loan_no,
        ctx.me.employee_no,
        channel,
        outcome,
        note=note,
        promise_amount=amount,
        promise_date=day,
        photo=ctx.incoming.photo,
        location=ctx.incoming.location,
        source_key=ctx.incoming.key,
        approach=said.approach if said is not None else None,
        participants=said.participants if said is not None else "",
    )
    return Response.text(contact_recorded(ctx, case, entry))


def contact_recorded(ctx: Context, case: CaseView, entry: ContactEntry) -> str:
    """What the bot says after recording a contact."""
    text = ctx.t(
        "log.done",
        loan_no=case.loan_no,
        borrower=case.borrower,
        channel=ctx.t(f"channel.{entry.channel}"),
        outcome=ctx.t(f"outcome.{entry.outcome}"),
    )
    if entry.promise_amount is not None and entry.promise_date is not None:
        text += ctx.t(
            "log.promise", amount=format_yuan(entry.promise_amount), day=entry.promise_date.isoformat()
        )
    if entry.flags:
        text += ctx.t(
            "log.breach", reasons=flag_words(entry.flags, ctx.config.language), rule=ctx.t("rules.contact")
        )
    return text + "\n" + ctx.t("undo.hint")


def log_menu(ctx: Context, loan_no: str) -> Response:
    """One-tap contacts for a case, and how to write a promise."""
    case = ctx.case(loan_no, write=True)
    buttons = tuple(
        (Button(f"{ctx.t(f'channel.{ch}')}·{ctx.t(f'outcome.{out}')}", f"quick:{case.loan_no}:{ch}:{out}"),)
        for ch, out in QUICK_CONTACTS
    )
    return Response.text(ctx.t("log.menu", loan_no=case.loan_no), buttons)


def quick_log(ctx: Context, data: str) -> Response:
    """Record the one-tap contact a button named."""
    loan_no, _, rest = data.partition(":")
    channel, _, outcome = rest.partition(":")
    if (channel, outcome) not in QUICK_CONTACTS:
        raise UserError("choice.expired")  # only the one-tap contacts the menu offers
    return log_contact(ctx, [loan_no, channel, outcome])


def repay_help(ctx: Context, loan_no: str) -> Response:
    """How to report a repayment on this case."""
    case = ctx.case(loan_no, write=True)
    return Response.text(ctx.t("repay.how", loan_no=case.loan_no, owed=format_yuan(case.outstanding)))


FEATURE = Feature(
    commands=(
        # Leaders read; recording is the responsible officer's.
        Command(
            "log",
            log_contact,
            keywords=("联系",),
            writes=True,
            refused=LEADER_READS_ONLY,
            listed_for=WORKERS,
        ),
    ),
    choices=(
        Choice("logmenu", log_menu),
        Choice("repayhelp", repay_help),
        Choice("quick", quick_log, writes=True),
    ),
)
