"""`qingshou jobs run JOB [--date D] [--dry-run]`: one daily job now, through the configured channels."""

from __future__ import annotations

import contextlib
from datetime import date

from bot.app import App
from core.errors import UserError
from core.texts import render
from reminders.config import JOBS
from reminders.dispatch import Outlet
from reminders.jobs import JobRun, run_job


async def run_from_cli(app: App, job: str, day: date, dry_run: bool) -> list[str]:
    """Run (or rehearse) a job for `day`; returns the lines to print."""
    language = app.language
    if job not in JOBS:
        raise UserError("jobs.unknown", job=job)
    telegram = app.telegram()
    wecom = app.wecom()
    outlets: list[Outlet] = [c for c in (telegram, wecom) if c is not None]
    if not outlets and not dry_run:
        raise UserError("jobs.no_channel")
    async with contextlib.AsyncExitStack() as stack:
        if telegram is not None and not dry_run:
            await stack.enter_async_context(telegram.application)
        if wecom is not None:
            stack.push_async_callback(wecom.close)
        run = await run_job(app.store, job, day, app.schedule_config(), outlets, dry_run=dry_run)
    return describe(run, language, dry_run)


def describe(run: JobRun, language: str, dry_run: bool) -> list[str]:
    """What a run did (or, rehearsed, would do), as lines for a terminal."""
    if not run.workday:
        holiday = render(f"holiday.{run.holiday}", language) if run.holiday else ""
        name = "" if not holiday else (f"（{holiday}）" if language == "zh" else f" ({holiday})")
        return [render("jobs.not_workday", language, day=run.day.isoformat(), name=name)]
    report = run.report
    lines: list[str] = []
    if dry_run:
        destinations: dict[str, list[str]] = {}
        for delivery in run.planned:
            destinations.setdefault(delivery.message.key, []).append(f"{delivery.outlet}:{delivery.chat_id}")
        nowhere = {message.key for message in run.nowhere}
        for message in run.messages:
            where = destinations.get(message.key)
            label = message.label or message.key
            if message.key in nowhere:
                lines.append(render("jobs.unbound", language, label=label))
            elif where is None:
                continue  # sent already
            else:
                lines.append(render("jobs.dry_item", language, label=label, destination=", ".join(where)))
            for reply in message.replies:
                if reply.text:
                    lines.extend(f"  {line}" for line in reply.text.splitlines())
                for data in (reply.picture, reply.document):
                    if data is not None:
                        lines.append(
                            render("jobs.dry_attachment", language, name=reply.filename, size=len(data))
                        )
        lines.append(
            render(
                "jobs.dry_summary",
                language,
                job=run.job,
                day=run.day.isoformat(),
                count=len(run.planned),
                done=report.done_before,
                unbound=len(report.unbound),
            )
        )
        return lines
    lines.append(
        render(
            "jobs.summary",
            language,
            job=run.job,
            day=run.day.isoformat(),
            total=report.total,
            sent=report.sent,
            done=report.done_before,
            failed=report.failed,
            unbound=len(report.unbound),
        )
    )
    return lines
