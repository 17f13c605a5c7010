"""`qingshou jobs run JOB [--date D] [--dry-run] [--out DIR]`: one daily job now, through the configured
channels, and the pictures and documents it sends written to a folder for a clerk to print."""

from __future__ import annotations

import contextlib
import re
from datetime import date
from pathlib import Path

from bot.app import App
from core.errors import UserError
from core.texts import render
from reminders.config import JOBS
from reminders.daily import JobRun, run_job


async def run_from_cli(app: App, job: str, day: date, dry_run: bool, out: Path | None = None) -> list[str]:
    """Run (or rehearse) a job for `day`, writing its pictures and documents into `out`; the lines to print.

    With `out` and no channel configured the job is built as a dry run: a clerk without a chat channel gets
    the day's chart and notices as files, and nothing is sent or recorded (the day's messages stay unsent,
    for a channel configured later).
    """
    language = app.language
    if job not in JOBS:
        raise UserError("jobs.unknown", job=job)
    if out is not None:
        make_folder(out)
    outlets = app.channels().outlets
    lines: list[str] = []
    if not outlets and not dry_run:
        if out is None:
            raise UserError("jobs.no_channel")
        dry_run = True
        lines.append(render("jobs.out_rehearsal", language))
    async with contextlib.AsyncExitStack() as stack:
        for outlet in outlets:
            stack.push_async_callback(outlet.close)
            if not dry_run:
                await outlet.open()
        run = await run_job(app.store, job, day, app.schedule_config(), outlets, dry_run=dry_run)
    lines.extend(describe(run, language, dry_run))
    if out is not None and run.workday:
        written = write_attachments(run, out)
        lines.extend(render("jobs.out_file", language, path=str(path)) for path in written)
        if not written:
            lines.append(render("jobs.out_none", language))
    return lines


def make_folder(folder: Path) -> None:
    """The folder `--out` writes into, created with its parents if missing."""
    if folder.exists() and not folder.is_dir():
        raise UserError("jobs.out_not_folder", path=str(folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError("file.cannot_write", path=str(folder), reason=error.strerror or str(error)) from None


def write_attachments(run: JobRun, folder: Path) -> list[Path]:
    """Write every picture and document of a run's messages into `folder`; the files written.

    A document sent to several chats (a unit's notice goes to its group and to each of its leads) is written
    once; different files under one name get the recipient's name added, then a number.
    """
    names: dict[tuple[str, bytes], str] = {}  # (the name it was sent under, its bytes) -> the file's name
    for message in run.messages:
        recipient = message.label or message.key
        for reply in message.replies:
            for data, suffix in ((reply.picture, ".png"), (reply.document, ".docx")):
                if data is None:
                    continue
                wanted = file_name(reply.filename or message.key + suffix)
                if (wanted, data) in names:
                    continue
                taken = set(names.values())
                name, number = wanted, 1
                stem, extension = _split(wanted)
                while name in taken:
                    tail = recipient if number == 1 else f"{recipient}-{number}"
                    name = file_name(f"{stem}-{tail}{extension}")
                    number += 1
                names[(wanted, data)] = name
    contents = {name: data for (_, data), name in names.items()}
    written: list[Path] = []
    for name, data in contents.items():
        path = folder / name
        try:
            path.write_bytes(data)
        except OSError as error:
            raise UserError(
                "file.cannot_write", path=str(path), reason=error.strerror or str(error)
            ) from None
        written.append(path)
    return written


def file_name(name: str) -> str:
    """`name` made safe as a file name on every system (a unit's name may hold a slash or a colon)."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).strip(" .") or "_"


def _split(name: str) -> tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    return (stem, dot + extension) if dot and stem else (name, "")


def describe(run: JobRun, language: str, dry_run: bool) -> list[str]:
    """What a run did (or, rehearsed, would do), as lines for a terminal."""
    if not run.workday:
        holiday = render(f"holiday.{run.holiday}", language) if run.holiday else ""
        name = "" if not holiday else (f"（{holiday}）" if language == "zh" else f" ({holiday})")
        return [render("jobs.not_workday", language, day=run.day.isoformat(), name=name)]
    if dry_run:
        return _rehearsed(run, language)
    report = run.report
    return [
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
    ]


def _rehearsed(run: JobRun, language: str) -> list[str]:
    """What a rehearsed run would send, and where."""
    report = run.report
    lines: list[str] = []
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
                    lines.append(render("jobs.dry_attachment", language, name=reply.filename, size=len(data)))
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
