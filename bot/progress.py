"""Progress of long work: a bar on a terminal, plain lines otherwise (SPEC §6)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

PLAIN_EVERY = 10_000


class Reporter:
    """Counts steps of named tasks and shows them to a person."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._bar: Progress | None = None
        self._tasks: dict[str, int] = {}
        self._plain: dict[str, int] = {}

    @contextmanager
    def running(self) -> Iterator[Reporter]:
        """Show a live bar while the block runs, if on a terminal."""
        if not self.console.is_terminal:
            yield self
            return
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        ) as bar:
            self._bar = bar
            try:
                yield self
            finally:
                self._bar = None

    def advance(self, task: str, steps: int, total: int | None = None) -> None:
        """Count `steps` more of `task`."""
        if self._bar is not None:
            if task not in self._tasks:
                self._tasks[task] = self._bar.add_task(task, total=total)
            self._bar.update(self._tasks[task], advance=steps, total=total)
            return
        before = self._plain.get(task, 0)
        after = before + steps
        self._plain[task] = after
        if after // PLAIN_EVERY > before // PLAIN_EVERY or (total is not None and after >= total > before):
            self.console.print(f"{task}: {after}" + (f"/{total}" if total else ""))
