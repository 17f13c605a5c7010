"""Right after the ranking: a supervision notice (督办函) for each lagging unit, as a Word document with a
short message to the unit's chat and its unit leads, and the list of them to admins and leaders (pure)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from core.campaign import format_rate
from core.messages import Outgoing, Reply
from core.ranking import Notice, Ranking
from core.texts import render
from core.workdays import add_workdays
from reminders.config import ScheduleConfig
from reminders.notice import notice_document, notice_message
from reminders.ranking import day_ranking
from store.ledger import Store


def notice_number(day: date, position: int) -> str:
    """A notice's reference: the year, the day and its place among the day's notices."""
    return f"清收督〔{day.year}〕{day:%m%d}-{position:02d}号"


def build_notices(
    store: Store, day: date, config: ScheduleConfig, ranking: Ranking | None = None
) -> list[Outgoing]:
    """A notice for every unit below the expected-progress line or in the bottom NOTICE_BOTTOM_N."""
    language = config.language
    ranking = ranking or day_ranking(store, day, config)
    lagging = ranking.lagging()
    if not lagging:
        return []
    overdue, largest = store.notice_facts([u.unit_id for u in lagging], day)
    leads: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for lead_id, lead_name, unit_id in store.people_with_role("unit_lead"):
        if unit_id is not None:
            leads[unit_id].append((lead_id, lead_name))
    chats = store.unit_chats()
    reply_by = add_workdays(day, config.notice_reply_days)
    messages: list[Outgoing] = []
    for position, standing in enumerate(lagging, start=1):
        notice = Notice(
            standing=standing,
            total_units=len(ranking.units),
            expected=ranking.expected,
            overdue_cases=overdue.get(standing.unit_id, 0),
            largest=tuple(largest.get(standing.unit_id, [])),
            issued=day,
            reply_by=reply_by,
            number=notice_number(day, position),
        )
        reply = Reply(
            notice_message(notice, language),
            document=notice_document(notice, language),
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
            gap=format_rate(u.gap(ranking.expected)),
        )
        for u in lagging
    )
    listing = Reply("\n".join(lines))
    # The admins follow the notices up; the task force's leaders receive them too (SPEC §1).
    for role in ("admin", "leader"):
        for person_id, name, _unit in store.people_with_role(role):
            messages.append(
                Outgoing(f"notices:person:{person_id}", (listing,), person_id=person_id, label=name)
            )
    return messages
