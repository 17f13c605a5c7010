"""The `qingshou` command line (SPEC §6)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from bot.app import App, build
from bot.progress import Reporter
from bot.settings import load_settings
from core.errors import UserError
from core.texts import render

cli = typer.Typer(
    help="Qingshou (清收): the task force's loan-recovery bot and ledger.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])


def _app() -> App:
    return build(load_settings())


def _say(app: App, key: str, **params: Any) -> None:
    console.print(render(key, app.language, **params), markup=False)


def _user_errors(command: F) -> F:
    """Expected failures print their one line and exit 1; nothing else is shown."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UserError as error:
            errors.print(error.render(_language()), markup=False)
            raise typer.Exit(1) from None

    return run  # type: ignore[return-value]


def _language() -> str:
    try:
        return load_settings().language
    except UserError:
        return "zh"


@cli.command()
@_user_errors
def init() -> None:
    """Create or upgrade the database (migrations)."""
    app = _app()
    app.init_database()
    _say(app, "init.done", url=app.engine.url.render_as_string(hide_password=True))


@cli.command()
@_user_errors
def template(path: Annotated[Path, typer.Argument(help="the .xlsx file to write")]) -> None:
    """Write an empty import workbook with headers, an example row and drop-down lists."""
    from spreadsheets.template import write_template

    app = _app()
    write_template(path, app.campaign.end)
    _say(app, "template.done", path=str(path))


@cli.command("import")
@_user_errors
def import_(path: Annotated[Path, typer.Argument(help="an .xlsx workbook or a .csv of cases")]) -> None:
    """Import units, people and cases; all or nothing."""
    from spreadsheets.importer import ImportRefused, import_file

    app = _app()
    app.init_database()
    reporter = Reporter(console)
    try:
        with reporter.running():
            report = import_file(
                app.store,
                path,
                progress=lambda sheet, n: reporter.advance(
                    render("import.reading", app.language, sheet=sheet), n
                ),
                writing=lambda n: reporter.advance(render("import.writing", app.language), n),
            )
    except ImportRefused as refused:
        errors.print(render("import.problems", app.language, count=len(refused.problems)), markup=False)
        for problem in refused.problems:
            errors.print("  " + problem.render(app.language), markup=False)
        raise typer.Exit(1) from None
    if report.created == 0 and report.updated == 0:
        _say(app, "import.no_change", unchanged=report.unchanged)
        return
    _say(app, "import.done", created=report.created, updated=report.updated, unchanged=report.unchanged)
    for change in report.changes[:50]:
        fields = "，".join(f"{name}: {old} → {new}" for name, (old, new) in change.fields.items())
        _say(app, "import.change_line", entity=change.entity, ref=change.ref, fields=fields)


@cli.command()
@_user_errors
def export(path: Annotated[Path, typer.Argument(help="the .xlsx file to write")]) -> None:
    """Export the whole ledger, one sheet per table; it imports again."""
    from spreadsheets.exporter import write_export

    app = _app()
    reporter = Reporter(console)
    with reporter.running():
        write_export(app.store, path, progress=reporter.advance)
    _say(app, "export.done", path=str(path))


@cli.command()
@_user_errors
def codes(
    unit: Annotated[str | None, typer.Option("--unit", help="only this unit")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV: employee_no,name,unit,role,code")] = False,
) -> None:
    """Print bind codes for people not yet bound."""
    app = _app()
    lines = app.store.bind_codes(unit)
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
    app = _app()
    app.init_database()
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
    """Write a consistent copy of the database."""
    from store.maintenance import backup as write_backup

    app = _app()
    write_backup(app.engine, path)
    _say(app, "backup.done", path=str(path))


@cli.command()
@_user_errors
def chat(employee_no: Annotated[str, typer.Option("--as", help="the employee number to chat as")]) -> None:
    """Chat in the terminal as a person (reads standard input; ends at end of input)."""
    app = _app()
    app.init_database()
    _console(app, employee_no)


def _console(app: App, employee_no: str) -> None:
    from bot.channels.console import ConsoleChannel

    channel = ConsoleChannel(app.router(), employee_no, sys.stdout, app.language)
    channel.check_person()
    if sys.stdin.isatty():
        person = app.store.person_by_employee_no(employee_no)
        assert person is not None
        role = render(f"role.{person.role}", app.language)
        console.print(render("console.as", app.language, name=person.name, role=role), markup=False)
    channel.run(sys.stdin)


jobs = typer.Typer(help="Run one of the daily jobs now.", no_args_is_help=True)
cli.add_typer(jobs, name="jobs")


@jobs.command("run")
@_user_errors
def jobs_run(
    job: Annotated[str, typer.Argument(help="reminders, ranking or notices")],
    day: Annotated[str | None, typer.Option("--date", help="the day to run it for (default: today)")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would be sent; send and record nothing")
    ] = False,
) -> None:
    """Run one scheduled job now, for a given day; it sends only what was not sent for that day yet."""
    import asyncio
    from datetime import date

    from bot.jobs import run_from_cli

    app = _app()
    try:
        when = date.fromisoformat(day) if day else app.store.today()
    except ValueError:
        raise UserError("jobs.bad_date", value=day) from None
    for line in asyncio.run(run_from_cli(app, job, when, dry_run)):
        console.print(line, markup=False)


@cli.command()
@_user_errors
def run() -> None:
    """Serve every configured channel; with none configured, chat in the terminal with demo data."""
    import asyncio
    import logging

    from bot.serve import serve
    from handlers.status import campaign_summary

    app = _app()
    app.init_database()
    if app.store.is_empty():
        _load_demo(app, "city")
    if app.settings.telegram_bot_token is not None or app.wecom() is not None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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
