"""The morning's messages: each officer's to-do and each unit lead's digest (pure: store and day in,
messages out)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from core.campaign import format_rate
from core.messages import Outgoing, Reply
from core.money import format_yuan
from core.texts import render
from core.todo import AssetItem, LegalItem, OfficerTodo, TodoCase, TodoCounts
from core.views import OfficerProgress
from reminders.config import ScheduleConfig
from reminders.honesty import honesty_lines
from reminders.inactive import silence_news
from reminders.warnings import digest_block, personal_block, warning_news
from store.ledger import Store

# A unit lead's digest lists this many officers, those with the most overdue cases first.
DIGEST_OFFICERS = 15
# And this many legal matters (statutes, deadlines, slow lawsuits), the soonest first.
DIGEST_LEGAL = 20
# The legal matters an officer's own to-do carries; the unit lead's digest has them all (run-out statutes and
# slow lawsuits too).
OFFICER_LEGAL = frozenset({"statute_warning", "enforcement_due", "seizure_lapses"})


def build_reminders(store: Store, day: date, config: ScheduleConfig) -> list[Outgoing]:
    """The to-do of every officer with something to do, and a digest for every unit lead whose unit has any;
    both carry the day's early warnings on new loans (and the loans that joined the campaign today).

    Promises whose date has passed are expected to be decided already (`Store.decide_promises`), so that
    the broken ones appear here.
    """
    # First the new loans: one that joins the campaign today is on its officer's to-do today.
    warnings = warning_news(store, day, config)
    todos = store.officer_todos(day, config.reminder_days, config.stale_days)
    officers_more, units_more, names = _more_to_tell(store, day, config.language)
    silences = silence_news(store, day, config)
    for unit_id, lines in silences.digest.items():
        units_more[unit_id].append("\n".join(lines))
    for unit_id, lines in honesty_lines(store, day, config).items():
        units_more[unit_id].append("\n".join(lines))
    for person_id, items in warnings.personal.items():
        officers_more[person_id].append(personal_block(items, day, config))
        names[person_id] = warnings.names[person_id]
    for unit_id, items in warnings.units.items():
        units_more[unit_id].append(digest_block(items, day, config))
    nudges = silences.nudges
    messages = [
        _todo_message(
            todo,
            day,
            config,
            store.campaign.zone,
            officers_more.pop(todo.person_id, []),
            nudges.pop(todo.person_id).line if todo.person_id in nudges else None,
        )
        for todo in todos
    ]
    # An officer with nothing else to do today still hears of a legal or an asset's deadline, and of a silence.
    for officer_id, nudge in nudges.items():
        officers_more[officer_id].insert(0, nudge.alone)
        names[officer_id] = nudge.name
    messages.extend(
        _more_message(officer_id, names[officer_id], blocks, day, config)
        for officer_id, blocks in officers_more.items()
    )
    per_unit: dict[int, list[OfficerTodo]] = defaultdict(list)
    for todo in todos:
        if todo.unit_id is not None:
            per_unit[todo.unit_id].append(todo)
    pending = store.pending_by_unit()
    unit_names = store.unit_names_by_id()
    rates = store.officer_figures(day)
    for lead_id, lead_name, unit_id in store.people_with_role("unit_lead"):
        if unit_id is None or (
            unit_id not in per_unit and not pending.get(unit_id) and unit_id not in units_more
        ):
            continue
        text = _digest_text(
            unit_names.get(unit_id, ""), per_unit.get(unit_id, []), pending.get(unit_id, 0), day, config
        )
        text = "\n".join(
            [text, *_rates(rates.get(unit_id, []), config.language), *units_more.get(unit_id, [])]
        )
        messages.append(
            Outgoing(
                f"digest:person:{lead_id}",
                (Reply(text),),
                person_id=lead_id,
                label=f"{lead_name}（{unit_names.get(unit_id, '')}）",
            )
        )
    return [*messages, *silences.leaders]


def _rates(officers: list[OfficerProgress], language: str) -> list[str]:
    """The unit's officers ranked by their own rate, on one line (SPEC §10)."""
    if not officers:
        return []
    separator = render("list.separator", language)
    rates = separator.join(
        render("digest.rate", language, name=o.name, rate=format_rate(o.rate)) for o in officers
    )
    return [render("digest.rates", language, rates=rates)]


def _more_to_tell(
    store: Store, day: date, language: str
) -> tuple[dict[int, list[str]], dict[int, list[str]], dict[int, str]]:
    """What else each officer and each unit's lead are told: legal matters, then foreclosed assets' deadlines."""
    officers: dict[int, list[str]] = defaultdict(list)
    units: dict[int, list[str]] = defaultdict(list)
    names: dict[int, str] = {}
    officers_legal: dict[int, list[LegalItem]] = defaultdict(list)
    units_legal: dict[int, list[LegalItem]] = defaultdict(list)
    for item in store.legal_items(day):
        if item.kind in OFFICER_LEGAL:
            officers_legal[item.officer_id].append(item)
        if item.unit_id is not None:
            units_legal[item.unit_id].append(item)
    for officer_id, items in officers_legal.items():
        officers[officer_id].append(_legal_lines(items, language, digest=False))
        names[officer_id] = items[0].officer
    for unit_id, items in units_legal.items():
        units[unit_id].append(_legal_lines(items, language, digest=True))
    officers_assets: dict[int, list[AssetItem]] = defaultdict(list)
    units_assets: dict[int, list[AssetItem]] = defaultdict(list)
    for asset_item in store.asset_items(day):
        officers_assets[asset_item.asset.custodian_id].append(asset_item)
        units_assets[asset_item.asset.unit_id].append(asset_item)
    for officer_id, asset_items in officers_assets.items():
        officers[officer_id].append(_asset_lines(asset_items, language, digest=False))
        names[officer_id] = asset_items[0].asset.custodian
    for unit_id, asset_items in units_assets.items():
        units[unit_id].append(_asset_lines(asset_items, language, digest=True))
    return officers, units, names


def _parts(counts: TodoCounts, config: ScheduleConfig) -> str:
    language = config.language
    parts = []
    for key, count in (
        ("overdue", counts.overdue),
        ("due_soon", counts.due_soon),
        ("promises", counts.promises_due),
        ("broken", counts.broken),
        ("stale", counts.stale),
    ):
        if count:
            days = config.reminder_days if key == "due_soon" else config.stale_days
            parts.append(render(f"todo.part.{key}", language, count=count, days=days))
    return render("todo.reason.separator", language).join(parts)


def _reasons(item: TodoCase, day: date, config: ScheduleConfig, zone: ZoneInfo) -> str:
    language = config.language
    reasons = []
    if item.overdue:
        reasons.append(render("todo.reason.overdue", language, days=(day - item.deadline).days))
    elif item.deadline == day:
        reasons.append(render("todo.reason.due_today", language))
    elif item.due_soon:
        reasons.append(render("todo.reason.due_soon", language, day=item.deadline.isoformat()))
    if item.broken_due_on is not None and item.broken_amount is not None:
        reasons.append(
            render(
                "todo.reason.broken",
                language,
                day=item.broken_due_on.isoformat(),
                amount=format_yuan(item.broken_amount),
            )
        )
    if item.promise_due_on is not None and item.promise_amount is not None:
        key = "todo.reason.promise_today" if item.promise_due_on <= day else "todo.reason.promise_tomorrow"
        reasons.append(render(key, language, amount=format_yuan(item.promise_amount)))
    if item.stale:
        if item.last_contact_at is None:
            reasons.append(render("todo.reason.never_contacted", language))
        else:
            days = (day - item.last_contact_at.astimezone(zone).date()).days
            reasons.append(render("todo.reason.stale", language, days=days))
    return render("todo.reason.separator", language).join(reasons)


def _todo_message(
    todo: OfficerTodo,
    day: date,
    config: ScheduleConfig,
    zone: ZoneInfo,
    more: list[str],
    nudge: str | None = None,
) -> Outgoing:
    language = config.language
    lines = [
        render("todo.title", language, day=day.isoformat(), name=todo.name),
        *([nudge] if nudge else []),
        render("todo.summary", language, cases=todo.counts.cases, parts=_parts(todo.counts, config)),
        render("todo.by_priority", language),
    ]
    for position, item in enumerate(todo.cases, start=1):
        lines.append(
            render(
                "todo.line",
                language,
                position=position,
                loan_no=item.loan_no,
                borrower=item.borrower,
                outstanding=format_yuan(item.outstanding),
                reasons=_reasons(item, day, config, zone),
            )
        )
    if todo.counts.cases > len(todo.cases):
        lines.append(render("todo.more", language, count=todo.counts.cases - len(todo.cases)))
    lines.extend(more)
    lines.append(render("todo.hint", language, loan_no=todo.cases[0].loan_no))
    return Outgoing(
        f"todo:person:{todo.person_id}", (Reply("\n".join(lines)),), person_id=todo.person_id, label=todo.name
    )


def _more_message(
    person_id: int, name: str, blocks: list[str], day: date, config: ScheduleConfig
) -> Outgoing:
    """The to-do of an officer whose only matters today are legal ones or assets' deadlines."""
    text = "\n".join([render("todo.title", config.language, day=day.isoformat(), name=name), *blocks])
    return Outgoing(f"todo:person:{person_id}", (Reply(text),), person_id=person_id, label=name)


def _asset_lines(items: list[AssetItem], language: str, digest: bool) -> str:
    """Foreclosed assets whose disposal deadline is near or past, under their heading (in a digest, with
    their custodian's name); the most pressing first."""
    lines = [render("asset.todo_title", language)]
    for item in sorted(items, key=lambda i: (i.days, i.asset.number)):
        line = render(
            "asset.todo_passed" if item.days < 0 else "asset.todo_due",
            language,
            number=item.asset.number,
            name=item.asset.name,
            day=item.due_on.isoformat(),
            days=abs(item.days),
        )
        lines.append(
            render("legal.by_officer", language, line=line, officer=item.asset.custodian) if digest else line
        )
    return "\n".join(lines)


def _legal_lines(items: list[LegalItem], language: str, digest: bool) -> str:
    """The legal matters, under their heading (in a digest, with the officer's name)."""
    lines = [render("legal.title", language)]
    for item in items[:DIGEST_LEGAL] if digest else items:
        detail = item.detail
        if item.kind == "seizure_lapses":
            detail = render(f"seizure.{item.detail}", language)
        elif item.kind == "slow":
            detail = render(f"stage.{item.detail}", language)
        missed = item.kind in OFFICER_LEGAL and item.days < 0
        line = render(
            f"legal.{item.kind}.missed" if missed else f"legal.{item.kind}",
            language,
            loan_no=item.loan_no,
            borrower=item.borrower,
            day=item.day.isoformat(),
            days=abs(item.days),
            detail=detail,
        )
        lines.append(
            render("legal.by_officer", language, line=line, officer=item.officer) if digest else line
        )
    if digest and len(items) > DIGEST_LEGAL:
        lines.append(render("digest.more_legal", language, count=len(items) - DIGEST_LEGAL))
    return "\n".join(lines)


def _digest_text(unit: str, todos: list[OfficerTodo], pending: int, day: date, config: ScheduleConfig) -> str:
    language = config.language
    total = sum((t.counts for t in todos), TodoCounts())
    lines = [render("digest.title", language, day=day.isoformat(), unit=unit)]
    if total.cases:
        lines.append(render("digest.summary", language, cases=total.cases, parts=_parts(total, config)))
    if pending:
        lines.append(render("digest.pending", language, count=pending))
    if todos:
        lines.append(render("digest.officers", language))
        ordered = sorted(todos, key=lambda t: (-t.counts.overdue, -t.counts.broken, -t.counts.cases, t.name))
        for todo in ordered[:DIGEST_OFFICERS]:
            lines.append(
                render("digest.officer_line", language, name=todo.name, parts=_parts(todo.counts, config))
            )
        if len(ordered) > DIGEST_OFFICERS:
            lines.append(render("digest.more", language, count=len(ordered) - DIGEST_OFFICERS))
    return "\n".join(lines)
