"""Right after the ranking: each lagging unit's notice on the escalation ladder, as a Word document with a
short message to the unit's chat and its unit leads (a proposal of accountability to the leaders instead), and
the day's rungs listed to admins and leaders (pure)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from core.campaign import format_points, format_rate
from core.messages import Outgoing, Reply
from core.ranking import (
    RUNGS,
    Notice,
    Ranking,
    UnitStanding,
    in_stretch,
    notice_due,
    notice_window,
    rung_of,
)
from core.texts import render
from core.workdays import add_workdays, previous_workday
from reminders.config import ScheduleConfig
from reminders.evening import day_ranking
from reminders.supervision_letter import notice_document, notice_message
from store.ledger import Store
from store.notice_register import IssuedNotice

# The notices read back to find a stretch's first: a unit below the line for a whole campaign year gets about
# fifty, five working days apart.
STRETCH_READ = 60


def ranking_days(day: date, count: int, skip_holidays: bool) -> list[date]:
    """The last `count` ranking days up to `day`, oldest first."""
    days = [day]
    while len(days) < count:
        days.append(previous_workday(days[-1], skip_holidays))
    return list(reversed(days))


@dataclass(frozen=True, slots=True)
class Due:
    """A lagging unit whose notice falls due today, and whether its latest notice was in this stretch."""

    standing: UnitStanding
    climbs: bool


def due_for_notice(store: Store, ranking: Ranking, config: ScheduleConfig) -> list[Due]:
    """The lagging units whose notice falls due today: below the line for NOTICE_GRACE_DAYS working days,
    then every NOTICE_EVERY_DAYS working days while they stay below."""
    lagging = ranking.lagging()
    if not lagging:
        return []
    window = notice_window(config.notice_grace_days, config.notice_every_days)
    days = ranking_days(ranking.day, window, config.skip_holidays)
    # Today's standing is the ranking's own; the days before are read from the ledger as they ended.
    below = store.units_below_line(days[:-1])
    below[ranking.day] = {u.unit_id for u in lagging}
    latest = store.latest_notices(ranking.day)
    position = {d: index for index, d in enumerate(reversed(days))}  # working days ago
    due = []
    for standing in lagging:
        last = latest.get(standing.unit_id)
        ago = position.get(last) if last is not None else None
        history = [standing.unit_id in below[d] for d in days]
        if notice_due(history, ago, config.notice_grace_days, config.notice_every_days):
            due.append(Due(standing, in_stretch(history, ago)))
    return due


def build_notices(
    store: Store, day: date, config: ScheduleConfig, ranking: Ranking | None = None
) -> list[Outgoing]:
    """Each lagging unit's notice on the escalation ladder (SPEC §10): 督办函, 再次督办函 and 约谈通知 to the
    unit's chat and leads, 问责建议 to the leaders; and the day's rungs listed to the admins and leaders in one
    message."""
    language = config.language
    ranking = ranking or day_ranking(store, day, config)
    due = due_for_notice(store, ranking, config)
    if not due:
        return []
    unit_ids = [d.standing.unit_id for d in due]
    recent = store.recent_notices(unit_ids, day, STRETCH_READ)
    rungs = {d.standing.unit_id: _rung(d, recent.get(d.standing.unit_id, [])) for d in due}
    issued = store.issue_notices(day, rungs)
    overdue, largest = store.notice_facts(unit_ids, day)
    leads: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for lead_id, lead_name, unit_id in store.people_with_role("unit_lead"):
        if unit_id is not None:
            leads[unit_id].append((lead_id, lead_name))
    chats = store.unit_chats()
    reply_by = add_workdays(day, config.notice_reply_days)
    messages: list[Outgoing] = []
    proposals: list[Reply] = []
    for standing in (d.standing for d in due):
        notice_issued = issued[standing.unit_id]
        rung = notice_issued.rung
        before = _stretch(recent.get(standing.unit_id, [])) if rung != RUNGS[0] else []
        notice = Notice(
            standing=standing,
            total_units=len(ranking.units),
            expected=ranking.expected,
            overdue_cases=overdue.get(standing.unit_id, 0),
            largest=tuple(largest.get(standing.unit_id, [])),
            issued=day,
            reply_by=reply_by,
            number=notice_issued.number,
            issuer=config.campaign_name,
            contact=config.task_force_contact,
            phone=config.task_force_phone,
            rung=rung,
            earlier=tuple((n.day, n.number) for n in reversed(before)),
        )
        kind = render(f"rung.{rung}", language)
        reply = Reply(
            notice_message(notice, language),
            document=notice_document(notice, language, store.campaign.zone),
            filename=f"{kind}-{standing.unit}-{day.isoformat()}.docx",
        )
        if rung == "accountability":
            # A proposal to the task force's leaders: it goes with their listing, not to the unit.
            proposals.append(reply)
            continue
        chat = chats.get(standing.unit_id)
        if chat:
            messages.append(
                Outgoing(f"notice:unit:{standing.unit_id}", (reply,), chat=chat, label=standing.unit)
            )
        for lead_id, lead_name in leads.get(standing.unit_id, []):
            messages.append(
                Outgoing(
                    f"notice:unit:{standing.unit_id}:person:{lead_id}",
                    (reply,),
                    person_id=lead_id,
                    label=f"{lead_name}（{standing.unit}）",
                )
            )
    listing = (_listing(ranking, due, issued, config), *proposals)
    # The admins follow the notices up; the task force's leaders receive them too (SPEC §1).
    for role in ("admin", "leader"):
        for person_id, name, _unit in store.people_with_role(role):
            messages.append(Outgoing(f"notices:person:{person_id}", listing, person_id=person_id, label=name))
    return messages


def _stretch(recent: list[IssuedNotice]) -> list[IssuedNotice]:
    """The notices of the stretch below the line before today's, latest first: back to its first rung (a
    letter above the first rung cites them all)."""
    stretch = []
    for notice in recent:
        stretch.append(notice)
        if notice.rung == RUNGS[0]:
            break
    return stretch


def _rung(due: Due, recent: list[IssuedNotice]) -> str:
    """Today's rung: one above the latest notice when that was in this stretch below the line, else the first."""
    if due.climbs and recent:
        return rung_of(RUNGS.index(recent[0].rung) + 1)
    return RUNGS[0]


def _listing(
    ranking: Ranking, due: list[Due], issued: dict[int, IssuedNotice], config: ScheduleConfig
) -> Reply:
    """The day's notices and their rungs, in one message to the admins and leaders."""
    language = config.language
    counts = "、".join(
        render("notices.rung_count", language, rung=render(f"rung.{rung}", language), count=count)
        for rung in RUNGS
        if (count := sum(1 for n in issued.values() if n.rung == rung))
    )
    lines = [
        render("notices.admin_title", language, day=ranking.day.isoformat(), count=len(due), counts=counts)
    ]
    lines.extend(
        render(
            "notices.admin_line",
            language,
            rank=d.standing.rank,
            unit=d.standing.unit,
            rate=format_rate(d.standing.rate),
            points=format_points(ranking.expected, d.standing.rate),
            rung=render(f"rung.{issued[d.standing.unit_id].rung}", language),
            number=issued[d.standing.unit_id].number,
        )
        for d in due
    )
    waiting = len(ranking.lagging()) - len(due)
    if waiting:
        lines.append(render("notices.admin_waiting", language, count=waiting, days=config.notice_grace_days))
    return Reply("\n".join(lines))
