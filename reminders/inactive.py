"""The morning's word on silence (消极应付, SPEC §10): an officer with open cases who has recorded nothing for
INACTIVE_DAYS working days is nudged privately, with their first case; at 5 their unit lead reads of it in the
digest, at 10 the leaders get a list. Each once per stretch of silence."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from core.inactivity import rungs_reached, silent_working_days
from core.messages import Outgoing, Reply
from core.money import format_yuan
from core.texts import render
from reminders.config import ScheduleConfig
from store.inactivity import Silence
from store.ledger import Store

# The leaders' list names this many officers; the rest are counted.
LEADERS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class Nudge:
    """An officer's reminder of their silence: a line at the head of their to-do, or, with nothing on it, a
    message of its own pointing at their first case."""

    name: str
    line: str
    alone: str


@dataclass(slots=True)
class SilenceNews:
    """What the morning tells of silences: each officer's nudge, each unit's digest lines, the leaders' list."""

    nudges: dict[int, Nudge] = field(default_factory=dict)
    digest: dict[int, list[str]] = field(default_factory=dict)
    leaders: list[Outgoing] = field(default_factory=list)


def silence_news(store: Store, day: date, config: ScheduleConfig) -> SilenceNews:
    """The nudges, digest lines and leaders' list due on `day`, recorded as told (once per stretch)."""
    language = config.language
    silences = {s.person_id: (s, silent_working_days(s.since, day)) for s in store.silences()}
    due = [
        (person_id, rung, silence.since)
        for person_id, (silence, silent) in silences.items()
        for rung in rungs_reached(silent, config.inactive_days)
    ]
    told = store.tell_of_silences(day, due)
    news = SilenceNews()
    digest: dict[int, list[str]] = defaultdict(list)
    to_leaders: list[tuple[Silence, int]] = []
    unit_names = store.unit_names_by_id() if told else {}
    for person_id, rung, _since in sorted(told, key=lambda item: silences[item[0]][0].employee_no):
        silence, silent = silences[person_id]
        if rung == "nudge":
            alone = render(
                "inactive.nudge",
                language,
                days=silent,
                loan_no=silence.loan_no,
                borrower=silence.borrower,
                outstanding=format_yuan(silence.outstanding),
            )
            line = render("inactive.nudge_line", language, days=silent)
            news.nudges[person_id] = Nudge(silence.name, line, alone)
        elif rung == "lead":
            if not digest[silence.unit_id]:
                digest[silence.unit_id].append(render("inactive.digest_title", language))
            digest[silence.unit_id].append(_line(silence, silent, "", language))
        else:
            to_leaders.append((silence, silent))
    news.digest = dict(digest)
    if to_leaders:
        to_leaders.sort(key=lambda item: (-item[1], item[0].employee_no))
        lines = [render("inactive.leaders_title", language, day=day.isoformat(), count=len(to_leaders))]
        lines.extend(
            _line(silence, silent, unit_names.get(silence.unit_id, ""), language)
            for silence, silent in to_leaders[:LEADERS_SHOWN]
        )
        if len(to_leaders) > LEADERS_SHOWN:
            lines.append(render("inactive.more", language, count=len(to_leaders) - LEADERS_SHOWN))
        listing = Reply("\n".join(lines))
        for person_id, name, _unit in store.people_with_role("leader"):
            news.leaders.append(
                Outgoing(f"inactive:leaders:person:{person_id}", (listing,), person_id=person_id, label=name)
            )
    return news


def _line(silence: Silence, silent: int, unit: str, language: str) -> str:
    return render(
        "inactive.line",
        language,
        unit=f"{unit} " if unit else "",
        name=silence.name,
        employee_no=silence.employee_no,
        days=silent,
        since=silence.since.isoformat(),
    )
