"""Right after the ranking: a supervision notice (督办函) for each lagging unit, as a Word document with a
short message to the unit's chat and its unit leads, and the list of them to admins and leaders (pure)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from core.campaign import format_points, format_rate
from core.messages import Outgoing, Reply
from core.ranking import Notice, Ranking, UnitStanding, notice_due, notice_number, notice_window
from core.texts import render
from core.workdays import add_workdays, previous_workday
from reminders.config import ScheduleConfig
from reminders.evening import day_ranking
from reminders.supervision_letter import notice_document, notice_message
from store.ledger import Store


def ranking_days(day: date, count: int, skip_holidays: bool) -> list[date]:
    """The last `count` ranking days up to `day`, oldest first."""
    days = [day]
    while len(days) < count:
        days.append(previous_workday(days[-1], skip_holidays))
    return list(reversed(days))


def due_for_notice(store: Store, ranking: Ranking, config: ScheduleConfig) -> list[UnitStanding]:
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
            due.append(standing)
    return due


def build_notices(
    store: Store, day: date, config: ScheduleConfig, ranking: Ranking | None = None
) -> list[Outgoing]:
    """A notice (督办函) for every unit that has been below the expected-progress line long enough (SPEC §10),
    and the day's notices listed to the admins and leaders."""
    language = config.language
    ranking = ranking or day_ranking(store, day, config)
    lagging = due_for_notice(store, ranking, config)
    if not lagging:
        return []
    numbers = store.issue_notices(day, [u.unit_id for u in lagging])
    overdue, largest = store.notice_facts([u.unit_id for u in lagging], day)
    leads: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for lead_id, lead_name, unit_id in store.people_with_role("unit_lead"):
        if unit_id is not None:
            leads[unit_id].append((lead_id, lead_name))
    chats = store.unit_chats()
    reply_by = add_workdays(day, config.notice_reply_days)
    messages: list[Outgoing] = []
    for standing in lagging:
        notice = Notice(
            standing=standing,
            total_units=len(ranking.units),
            expected=ranking.expected,
            overdue_cases=overdue.get(standing.unit_id, 0),
            largest=tuple(largest.get(standing.unit_id, [])),
            issued=day,
            reply_by=reply_by,
            number=notice_number(day.year, numbers[standing.unit_id]),
            issuer=config.campaign_name,
            contact=config.task_force_contact,
            phone=config.task_force_phone,
        )
        reply = Reply(
            notice_message(notice, language),
            document=notice_document(notice, language, store.campaign.zone),
            filename=f"督办函-{standing.unit}-{day.isoformat()}.docx"
            if language == "zh"
            else f"notice-{standing.unit}-{day.isoformat()}.docx",
        )
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
    lines = [render("notices.admin_title", language, day=day.isoformat(), count=len(lagging))]
    lines.extend(
        render(
            "notices.admin_line",
            language,
            rank=u.rank,
            unit=u.unit,
            rate=format_rate(u.rate),
            points=format_points(ranking.expected, u.rate),
            number=notice_number(day.year, numbers[u.unit_id]),
        )
        for u in lagging
    )
    waiting = len(ranking.lagging()) - len(lagging)
    if waiting:
        lines.append(render("notices.admin_waiting", language, count=waiting, days=config.notice_grace_days))
    listing = Reply("\n".join(lines))
    # The admins follow the notices up; the task force's leaders receive them too (SPEC §1).
    for role in ("admin", "leader"):
        for person_id, name, _unit in store.people_with_role(role):
            messages.append(
                Outgoing(f"notices:person:{person_id}", (listing,), person_id=person_id, label=name)
            )
    return messages
