"""/lawsuit LOAN STAGE [DATE] [note] (诉讼): record a stage of a case's litigation, 立案 to 执行完毕 (SPEC §10).

Free text works too (`handlers.freetext`): `L2023001 已起诉`, `L2023001 今天立案 （2026）晋0102民初123号`,
`L2023001 申请强制执行`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.dates import find_date, parse_date
from core.errors import UserError
from core.litigation import find_case_number, find_claims, read_stage
from core.messages import Response
from core.money import format_yuan
from core.permissions import WORKERS
from core.views import CaseView, RecordedStage
from handlers.context import Context
from handlers.registry import LEADER_READS_ONLY, Command, Feature


def lawsuit(ctx: Context, args: list[str]) -> Response:
    """Record a lawsuit stage from the command's words."""
    if len(args) < 2:
        raise UserError("lawsuit.usage")
    case = ctx.case_to_record(args[0], ctx.incoming.key)
    stage = read_stage(args[1])
    if stage is None:
        raise UserError("lawsuit.unknown_stage", word=args[1])
    rest = args[2:]
    day = ctx.today()
    if rest and (written := _day(rest[0], ctx.today())) is not None:
        day, rest = written, rest[1:]
    return record(ctx, case, stage, day, " ".join(rest))


def from_text(
    ctx: Context, case: CaseView, stage: str, text: str | None = None, source_key: str | None = None
) -> Response:
    """Record the stage a report written in words names (`L2023001 11月20日判决了`), on the day it names
    (today if none); the rest of the message is the stage's note. `text` and `source_key` are the report's,
    when it is recorded later, from the button that said which case it was about."""
    text = ctx.incoming.text if text is None else text
    number = find_case_number(text)
    found = find_date(text.replace(number.text, "") if number else text, ctx.today())
    note = text.replace(case.loan_no, "", 1).strip()
    return record(ctx, case, stage, found[0] if found else ctx.today(), note, source_key)


def record(
    ctx: Context, case: CaseView, stage: str, day: date, note: str, source_key: str | None = None
) -> Response:
    """Record the stage and say what was recorded and what became of the case."""
    entry = ctx.store.record_stage(
        case.loan_no,
        ctx.me.employee_no,
        stage,
        day,
        note=note,
        claims=find_claims(note),
        source_key=source_key or ctx.incoming.key,
    )
    return Response.text(stage_recorded(ctx, case, entry))


def stage_recorded(ctx: Context, case: CaseView, entry: RecordedStage) -> str:
    """What the bot says after recording a stage."""
    lines = [
        ctx.t(
            "lawsuit.done",
            loan_no=case.loan_no,
            borrower=case.borrower,
            stage=ctx.t(f"stage.{entry.stage}"),
            day=entry.reached_on.isoformat(),
        )
    ]
    if entry.case_number or entry.court:
        lines.append(ctx.t("lawsuit.court", court=entry.court or "—", number=entry.case_number or "—"))
    if entry.claimed is not None or entry.costs is not None:
        lines.append(ctx.t("lawsuit.amounts", claimed=_yuan(entry.claimed), costs=_yuan(entry.costs)))
    lines.append(ctx.t("undo.hint"))
    return "\n".join(lines)


def _day(word: str, today: date) -> date | None:
    """The word as a date, if it is one (else it starts the note)."""
    try:
        return parse_date(word, today)
    except UserError:
        return None


def _yuan(amount: Decimal | None) -> str:
    return "—" if amount is None else format_yuan(amount)


FEATURE = Feature(
    commands=(
        Command(
            "lawsuit",
            lawsuit,
            keywords=("诉讼",),
            writes=True,
            refused=LEADER_READS_ONLY,
            listed_for=WORKERS,
        ),
    )
)
