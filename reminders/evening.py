"""The evening's ranking: a text table and a bar chart to the task-force group, and to each unit lead their
unit's place with its officers (pure: store and day in, messages out)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.campaign import format_rate
from core.messages import GROUP_CHAT, Outgoing, Reply
from core.money import format_wan
from core.progress_lines import officer_lines
from core.ranking import Ranking, UnitStanding, completion_rate, rank_units
from core.texts import render
from core.views import OfficerProgress
from core.workdays import previous_workday
from reminders.chart import ranking_chart
from reminders.config import ScheduleConfig
from store.ledger import Store

# Up to this many units the group sees every line; beyond, the head and the tail of the table.
FULL_TABLE_UNITS = 60
TABLE_HEAD = TABLE_TAIL = 25
# The group is told of this many targets reached in one evening; the rest are counted.
REACHED_SHOWN = 30


def day_ranking(store: Store, day: date, config: ScheduleConfig) -> Ranking:
    """Every unit ranked by its confirmed recovery at the end of `day`, against the previous ranking day."""
    previous = previous_workday(day, config.skip_holidays)
    figures = store.unit_figures(day, previous)
    return rank_units(figures, day, store.campaign.expected_progress(day))


def change_text(standing: UnitStanding, language: str, words: bool = False) -> str:
    """A unit's move since the previous ranking day: ↑2, ↓1 or — in the table, or in words
    (较上一工作日上升 2 位) where it stands in a sentence."""
    keys = ("ranking.moved_up", "ranking.moved_down", "ranking.unchanged")
    if not words:
        keys = ("ranking.up", "ranking.down", "ranking.same")
    if standing.rank_change > 0:
        return render(keys[0], language, count=standing.rank_change)
    if standing.rank_change < 0:
        return render(keys[1], language, count=-standing.rank_change)
    return render(keys[2], language)


def ranking_text(ranking: Ranking, language: str) -> str:
    """The ranking as the group reads it: one line a unit, lagging ones flagged, totals at the end."""
    day = ranking.day.isoformat()
    lines = [render("ranking.title", language, day=day, expected=format_rate(ranking.expected))]
    units = ranking.units
    shown: list[UnitStanding | None] = list(units)
    if len(units) > FULL_TABLE_UNITS:
        shown = [*units[:TABLE_HEAD], None, *units[-TABLE_TAIL:]]
    for standing in shown:
        if standing is None:
            lines.append(render("ranking.gap", language, count=len(units) - TABLE_HEAD - TABLE_TAIL))
            continue
        lines.append(
            render(
                "ranking.line",
                language,
                rank=standing.rank,
                unit=standing.unit,
                rate=format_rate(standing.rate),
                change=change_text(standing, language),
                today=format_wan(standing.recovered_today),
                settled=standing.settled,
                cases=standing.cases,
                flag=render("ranking.lagging_flag", language) if standing.rate < ranking.expected else "",
            )
        )
    target = sum((u.target for u in units), Decimal(0))
    recovered = sum((u.recovered for u in units), Decimal(0))
    lines.append(
        render(
            "ranking.footer",
            language,
            count=sum(1 for u in units if u.rate < ranking.expected),
            recovered=format_wan(recovered),
            target=format_wan(target),
            rate=format_rate(completion_rate(recovered, target)),
        )
    )
    return "\n".join(lines)


def build_ranking(
    store: Store, day: date, config: ScheduleConfig, ranking: Ranking | None = None
) -> list[Outgoing]:
    """The group's ranking (text and chart), and each unit lead's own unit with its officers."""
    language = config.language
    ranking = ranking or day_ranking(store, day, config)
    if not ranking.units:
        return []
    caption = render("ranking.chart_caption", language, day=day.isoformat())
    group = [
        Reply(ranking_text(ranking, language)),
        Reply(caption, picture=ranking_chart(ranking, language), filename=f"ranking-{day.isoformat()}.png"),
    ]
    lagging = ranking.lagging()
    if lagging:
        # The lagging units' leads are called on by name, and @-mentioned where the platform can (WeCom).
        leads = store.unit_leads([u.unit_id for u in lagging])
        names = [
            f"{u.unit}（{'、'.join(name for name, _ in leads.get(u.unit_id, [])) or u.leader_name}）"
            for u in lagging
        ]
        mobiles = tuple(mobile for u in lagging for _, mobile in leads.get(u.unit_id, []) if mobile)
        group.append(Reply(render("ranking.mention", language, units="、".join(names)), mentions=mobiles))
    officers = store.officer_figures(day)
    reached = _reached(store, ranking, officers, language)
    if reached.lines:
        group.append(Reply("\n".join(reached.lines)))
    messages = [Outgoing("ranking:group", tuple(group), chat=GROUP_CHAT, label=caption)]
    total = len(ranking.units)
    by_unit = {u.unit_id: u for u in ranking.units}
    for lead_id, lead_name, unit_id in store.people_with_role("unit_lead"):
        standing = by_unit.get(unit_id) if unit_id is not None else None
        if standing is None:
            continue
        lines = [
            render(
                "ranking.unit_title",
                language,
                day=day.isoformat(),
                unit=standing.unit,
                rank=standing.rank,
                total=total,
                change=change_text(standing, language, words=True),
                rate=format_rate(standing.rate),
                expected=format_rate(ranking.expected),
                today=format_wan(standing.recovered_today),
            )
        ]
        lines[:0] = reached.by_unit.get(standing.unit_id, [])
        unit_officers = officers.get(standing.unit_id, [])
        if unit_officers:
            lines.append(render("ranking.unit_officers", language))
            lines.extend(officer_lines(unit_officers, language))
        messages.append(
            Outgoing(
                f"ranking:person:{lead_id}",
                (Reply("\n".join(lines)),),
                person_id=lead_id,
                label=f"{lead_name}（{standing.unit}）",
            )
        )
    return messages


@dataclass(frozen=True, slots=True)
class Reached:
    """The day's announcements of targets reached: the group's lines, and each unit lead's."""

    lines: list[str]
    by_unit: dict[int, list[str]]


def _reached(
    store: Store, ranking: Ranking, officers: dict[int, list[OfficerProgress]], language: str
) -> Reached:
    """Units and officers that reached their whole target (完成后及时上报), each announced once ever: recorded
    as the evening's messages are built, so a job run again announces the same ones and no later day does."""
    units = [u for u in ranking.units if u.target > 0 and u.rate >= 1]
    done = [
        (unit_id, officer)
        for unit_id, unit_officers in officers.items()
        for officer in unit_officers
        if officer.target is not None and officer.target > 0 and officer.rate >= 1
    ]
    if not units and not done:
        return Reached([], {})
    new_units, new_officers = store.record_completions(
        ranking.day, [u.unit_id for u in units], [o.employee_no for _, o in done]
    )
    names = {u.unit_id: u.unit for u in ranking.units}
    lines: list[str] = []
    by_unit: dict[int, list[str]] = defaultdict(list)
    for u in units:
        if u.unit_id in new_units:
            line = render(
                "target.reached_unit",
                language,
                unit=u.unit,
                target=format_wan(u.target),
                recovered=format_wan(u.recovered),
                rate=format_rate(u.rate),
            )
            lines.append(line)
            by_unit[u.unit_id].append(line)
    for unit_id, officer in done:
        if officer.employee_no in new_officers and officer.target is not None:
            line = render(
                "target.reached_officer",
                language,
                unit=names.get(unit_id, ""),
                name=officer.name,
                target=format_wan(officer.target),
                recovered=format_wan(officer.recovered),
                rate=format_rate(officer.rate),
            )
            lines.append(line)
            by_unit[unit_id].append(line)
    if len(lines) > REACHED_SHOWN:
        more = len(lines) - REACHED_SHOWN
        lines = [*lines[:REACHED_SHOWN], render("target.reached_more", language, count=more)]
    return Reached(lines, dict(by_unit))
