"""The `qingshou` command line (SPEC §6)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from bot.progress import Reporter
from core.errors import UserError
from core.money import format_yuan
from core.texts import render

if TYPE_CHECKING:
    from bot.app import App
    from core.records import Change
    from spreadsheets.importer import ImportReport
    from spreadsheets.reader import ImportFile

cli = typer.Typer(
    help="Qingshou (清收): the task force's loan-recovery bot and ledger.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])
# An import lists this many of its changes; the rest are counted (all are in the audit log and the export).
CHANGES_SHOWN = 50


def _app() -> App:
    """The application, for verbs that leave the database as it is (or have no need of it)."""
    from bot.app import build  # the ledger's modules, loaded by the verbs that need them
    from bot.logs import install_redaction, secrets_of
    from bot.settings import SettingError, load_settings
    from store.engine import missing_folder

    settings = load_settings()
    # Whatever any verb logs (a warning, a library's error) carries no secret of these settings.
    install_redaction(secrets_of(settings))
    app = build(settings)
    folder = missing_folder(app.engine)
    if folder is not None:
        raise SettingError("DATABASE_URL", "settings.database_folder", folder=str(folder))
    return app


def _ledger() -> App:
    """The application on a database created or upgraded first: every verb that reads or writes the ledger."""
    app = _app()
    app.init_database()
    return app


def _say(app: App, key: str, **params: Any) -> None:
    console.print(render(key, app.language, **params), markup=False)


def _user_errors(command: F) -> F:
    """Expected failures print their one line and exit 1; nothing else is shown."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UserError as error:
            from bot.settings import configured_language

            errors.print(error.render(configured_language()), markup=False)
            raise typer.Exit(1) from None

    return run  # type: ignore[return-value]


def _say_campaign(app: App) -> None:
    """Which campaign window is in force, and a warning when it is the calendar year by default."""
    _say(app, "campaign.window", start=app.settings.start.isoformat(), end=app.settings.end.isoformat())
    if app.settings.campaign_window_is_default:
        errors.print(render("campaign.window_default", app.language), markup=False)


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A file the system refuses to write (no permission, disk full) is one line, not a traceback."""
    try:
        yield
    except OSError as error:
        raise UserError("file.cannot_write", path=str(path), reason=error.strerror or str(error)) from None


@cli.command()
@_user_errors
def init() -> None:
    """Create or upgrade the database (migrations)."""
    app = _ledger()
    _say(app, "init.done", url=app.engine.url.render_as_string(hide_password=True))


@cli.command()
@_user_errors
def template(
    path: Annotated[Path, typer.Argument(help="the .xlsx file to write")],
    force: Annotated[bool, typer.Option("--force", help="overwrite the file if it exists")] = False,
) -> None:
    """Write an empty import workbook with headers, an example row and drop-down lists."""
    from spreadsheets.template import write_template

    app = _app()  # the template needs the campaign's end, not the database
    write_template(path, app.campaign.end, overwrite=force)
    _say(app, "template.done", path=str(path))


@cli.command("import")
@_user_errors
def import_(path: Annotated[Path, typer.Argument(help="an .xlsx workbook or a .csv of cases")]) -> None:
    """Import units, people and cases (and the 诉讼 sheet's lawsuit stages); all or nothing."""
    from spreadsheets.reader import open_import

    # The file's limits are checked first; its sheets are parsed while the ledger opens.
    try:
        opened = open_import(path)
    except UserError:
        _app()  # a wrong setting of the database is said first, as by every verb
        raise
    with opened:
        app = _ledger()
        _say_campaign(app)
        report = _import(app, opened)
    _say_import(app, report)


def _import(app: App, opened: ImportFile) -> ImportReport:
    from spreadsheets.importer import ImportRefused, import_file

    reporter = Reporter(console)
    try:
        with reporter.running():
            return import_file(
                app.store,
                opened,
                progress=lambda sheet, n: reporter.advance(
                    render("import.reading", app.language, sheet=sheet), n
                ),
                writing=lambda n: reporter.advance(render("import.writing", app.language), n),
            )
    except ImportRefused as refused:
        for line in refused.lines(app.language):
            errors.print(line, markup=False)
        raise typer.Exit(1) from None


def _say_import(app: App, report: ImportReport) -> None:
    """What an import did, for the clerk."""
    if report.examples_skipped:
        _say(app, "import.examples_skipped", count=report.examples_skipped)
    for key, people in (
        ("import.deactivated", report.deactivated),
        ("import.reactivated", report.reactivated),
    ):
        if people:
            names = "、".join(f"{p.employee_no} {p.name}" for p in people)
            _say(app, key, count=len(people), names=names)
    if report.stages:
        _say(app, "import.stages", count=report.stages)
    if report.assets:
        _say(app, "import.assets", count=report.assets)
    loans = report.loans
    # A 在贷 sheet with nothing but the template's example says nothing.
    if loans is not None and not (loans.new or loans.changed or loans.unchanged):
        loans = None
    if loans is not None:
        _say(
            app, "import.loans", created=len(loans.new), updated=len(loans.changed), unchanged=loans.unchanged
        )
        _say_changes(app, [change for _record, change in loans.changed])
    if report.created == 0 and report.updated == 0:
        loans_changed = loans is not None and (loans.new or loans.changed)
        if not (report.deactivated or report.reactivated or report.stages or report.assets or loans_changed):
            _say(app, "import.no_change", unchanged=report.unchanged)
        return
    _say(app, "import.done", created=report.created, updated=report.updated, unchanged=report.unchanged)
    _say_changes(app, report.changes)


def _say_changes(app: App, changes: list[Change]) -> None:
    """The first CHANGES_SHOWN changes, one a line, and how many more (all are in the audit log)."""
    from core.audit import describe_change

    for change in changes[:CHANGES_SHOWN]:
        console.print(describe_change(change, app.language), markup=False)
    if len(changes) > CHANGES_SHOWN:
        _say(app, "import.more_changes", count=len(changes) - CHANGES_SHOWN)


@cli.command()
@_user_errors
def export(path: Annotated[Path, typer.Argument(help="the .xlsx file to write")]) -> None:
    """Export the whole ledger, one sheet per table; it imports again."""
    from spreadsheets.exporter import write_export
    from spreadsheets.template import check_destination

    check_destination(path)  # before the database is touched: .xlsx only, into a folder that exists
    app = _ledger()
    reporter = Reporter(console)
    with reporter.running():
        write_export(app.store, path, progress=reporter.advance)
    _say(app, "export.done", path=str(path))


@cli.command()
@_user_errors
def codes(
    unit: Annotated[str | None, typer.Option("--unit", help="only this unit")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV: employee_no,name,unit,role,code")] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="write them to this .xlsx workbook (with the line to send each person) instead of printing them",
        ),
    ] = None,
) -> None:
    """Print bind codes for people not yet bound (or write them to a workbook with --out)."""
    if out is not None:
        from spreadsheets.template import check_destination

        check_destination(out)
    app = _ledger()
    lines = app.store.bind_codes(unit)
    if out is not None:
        if not lines:
            _say(app, "codes.none")
            return
        from spreadsheets.codes import write_codes

        write_codes(out, lines, app.language)
        _say(app, "codes.written", count=len(lines), path=str(out))
        if not as_csv:
            return
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["employee_no", "name", "unit", "role", "code"])
        for line in lines:
            writer.writerow([line.employee_no, line.name, line.unit, line.role, line.code])
        return
    if not lines:
        _say(app, "codes.none")
        return
    for line in lines:
        role = render(f"role.{line.role}", app.language)
        console.print(
            f"{line.employee_no}\t{line.name}\t{line.unit or '—'}\t{role}\t{line.code}", markup=False
        )


@cli.command()
@_user_errors
def demo(scale: Annotated[str, typer.Option("--scale", help="city or province")] = "city") -> None:
    """Fill an empty database with a realistic made-up campaign."""
    app = _ledger()
    _load_demo(app, scale)


def _load_demo(app: App, scale: str) -> None:
    from bot.demo import load_demo

    reporter = Reporter(console)
    with reporter.running():
        counts = load_demo(app.store, scale, reporter.advance, app.language)
    _say(app, "demo.done", **counts)


@cli.command()
@_user_errors
def backup(path: Annotated[Path, typer.Argument(help="where to write the copy")]) -> None:
    """Write a consistent copy of the database; an earlier backup at PATH is replaced, any other file refused."""
    from store.maintenance import backup as write_backup

    app = _app()  # copied as it is: a backup taken before an upgrade keeps the old schema
    with _writing(path):
        replaced = write_backup(app.engine, path)
    _say(app, "backup.replaced" if replaced else "backup.done", path=str(path))


@cli.command()
@_user_errors
def unbind(
    employee_no: Annotated[str, typer.Argument(help="the employee number whose chats to unbind")],
) -> None:
    """Unbind every chat of a person (a lost or changed phone); they bind again with a new code."""
    app = _ledger()
    name, channels = app.store.unbind(employee_no)
    if not channels:
        _say(app, "unbind.none", employee_no=employee_no, name=name)
        return
    labels = "、".join(render(f"audit.chat.{channel}", app.language) for channel in channels)
    _say(app, "unbind.done", employee_no=employee_no, name=name, count=len(channels), channels=labels)


@cli.command()
@_user_errors
def check() -> None:
    """List every case whose figures do not add up; change nothing (exit 1 when any is found)."""
    app = _ledger()
    checked, problems = app.store.ledger_problems()
    if not problems:
        _say(app, "check.ok", count=checked)
        return
    cases = len({problem.loan_no for problem in problems})
    _say(app, "check.found", count=checked, cases=cases)
    for problem in problems:
        held, expected = problem.held, problem.expected
        if problem.kind == "status":
            held, expected = (render(f"status.{value}", app.language) for value in (held, expected))
        else:
            held, expected = (
                format_yuan(value) if isinstance(value, Decimal) else value for value in (held, expected)
            )
        _say(
            app,
            f"check.{problem.kind}",
            loan_no=problem.loan_no,
            borrower=problem.borrower,
            held=held,
            expected=expected,
        )
    raise typer.Exit(1)


@cli.command()
@_user_errors
def assign(
    rebalance: Annotated[
        str | None,
        typer.Option("--rebalance", help="spread this unit's open cases evenly over its officers"),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the moves; change nothing")] = False,
) -> None:
    """Spread a unit's open cases so that each officer's outstanding amount and difficulty load come within
    10% of the unit's mean where the cases allow (one case by chat: 转办 LOAN EMP)."""
    from bot.rebalancing import spread_lines
    from core.rebalance import rebalance as plan_moves

    if rebalance is None:
        raise UserError("rebalance.usage")
    app = _ledger()
    cases, officers = app.store.unit_case_loads(rebalance)
    names = {
        no: person.name for no in officers if (person := app.store.person_by_employee_no(no)) is not None
    }
    plan = plan_moves(cases, officers)
    for line in spread_lines(rebalance, cases, plan, names, app.language):
        console.print(line, markup=False)
    if dry_run or not plan.moves:
        _say(app, "rebalance.dry_run" if dry_run and plan.moves else "rebalance.nothing_to_do")
        return
    handed = app.store.apply_moves(plan.moves)
    _say(app, "rebalance.applied", count=len(handed), unit=rebalance)


@cli.command()
@_user_errors
def chat(employee_no: Annotated[str, typer.Option("--as", help="the employee number to chat as")]) -> None:
    """Chat in the terminal as a person (reads standard input; ends at end of input)."""
    app = _ledger()
    _console(app, employee_no)


def _console(app: App, employee_no: str) -> None:
    from bot.channels.console import ConsoleChannel

    channel = ConsoleChannel(app.router(), app.store, employee_no, sys.stdout, app.language)
    channel.check_person()
    # At a terminal a prompt asks for each line; piped in, each line is echoed to make a transcript.
    at_terminal = sys.stdin.isatty() and sys.stdout.isatty()
    try:
        if at_terminal:
            person = app.store.person_by_employee_no(employee_no)
            assert person is not None
            role = render(f"role.{person.role}", app.language)
            console.print(render("console.as", app.language, name=person.name, role=role), markup=False)
            channel.converse()
        else:
            channel.run(sys.stdin)
    except KeyboardInterrupt:
        console.print()
        raise typer.Exit(130) from None


jobs = typer.Typer(help="Run one of the daily jobs now.", no_args_is_help=True)
cli.add_typer(jobs, name="jobs")


@jobs.command("run")
@_user_errors
def jobs_run(
    job: Annotated[str, typer.Argument(help="reminders, ranking, notices, dispatch or warnings")],
    day: Annotated[str | None, typer.Option("--date", help="the day to run it for (default: today)")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would be sent; send and record nothing")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="also write every picture and document into this folder (created if missing); "
            "with no channel configured, build as a dry run and only write them",
        ),
    ] = None,
) -> None:
    """Run one scheduled job now, for a given day; it sends only what was not sent for that day yet."""
    import asyncio
    import logging
    from datetime import date

    from bot.jobs import run_from_cli
    from bot.logs import setup_logging

    app = _ledger()
    # Only what went wrong is logged (the lines printed say what was sent), with no secret in it.
    setup_logging(app.settings, logging.WARNING)
    try:
        when = date.fromisoformat(day) if day else app.store.today()
    except ValueError:
        raise UserError("jobs.bad_date", value=day) from None
    for line in asyncio.run(run_from_cli(app, job, when, dry_run, out)):
        console.print(line, markup=False)


@cli.command()
@_user_errors
def run() -> None:
    """Serve every configured channel; with none configured, chat in the terminal with demo data."""
    import asyncio

    from bot.logs import setup_logging
    from bot.serve import serve
    from handlers.status import campaign_summary

    app = _ledger()
    _say_campaign(app)
    if app.store.is_empty():
        _load_demo(app, "city")
    if app.settings.telegram_bot_token is not None or app.wecom() is not None:
        setup_logging(app.settings)
        asyncio.run(serve(app))
        return
    console.print(campaign_summary(app.store, app.language), markup=False)
    officer = app.store.demo_officer()
    if officer is None:
        return
    _console(app, officer)


def main() -> None:
    """Entry point of the `qingshou` console script."""
    cli()
