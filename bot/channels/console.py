"""The terminal channel: chat as one person, reading standard input until it ends."""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol, TextIO

from bot.channels.base import Answers, Channel, choices
from core.errors import UserError
from core.messages import Button, Incoming, Response
from core.texts import render

logger = logging.getLogger(__name__)

CHANNEL = "console"
PROMPT = "> "


def typed_lines(prompt: str = PROMPT) -> Iterator[str]:
    """Lines typed at a terminal, each after the prompt, until end of input."""
    while True:
        try:
            yield input(prompt)
        except EOFError:
            return


class Named(Protocol):
    """A person, as the terminal names them."""

    name: str


class People(Protocol):
    """What the terminal needs of the store: the person it speaks as, and the names of those told."""

    def person_by_employee_no(self, employee_no: str) -> Named | None:
        """A person by employee number."""
        ...

    def people_by_id(self, ids: list[int]) -> Sequence[Named]:
        """People by id."""
        ...


class ConsoleChannel(Channel):
    """Reads lines as messages from one person and prints the bot's replies; numbers answer buttons."""

    name = CHANNEL
    # Under the reply, set in from it; numbered on through every reply of a response.
    choice_line = "  [{number}] {label}"

    def __init__(
        self, router: Answers, people: People, employee_no: str, output: TextIO, language: str = "zh"
    ) -> None:
        super().__init__(router, language)
        self.people = people
        self.employee_no = employee_no
        self.output = output
        # Every session's messages are new messages: their ids carry the session, so a second `qingshou chat`
        # (or a restarted `make run`) is never mistaken for the first one delivered again.
        self._session = uuid.uuid4().hex[:12]
        self._ids = itertools.count(1)
        self._offered: list[Button] = []

    def check_person(self) -> None:
        """Refuse to start for an unknown employee number."""
        if self.people.person_by_employee_no(self.employee_no) is None:
            raise UserError("ledger.unknown_person", employee_no=self.employee_no)

    def run(self, lines: Iterable[str], echo: bool = True) -> None:
        """Answer every line until the input ends.

        Read from a file or a pipe, each line is echoed after `> ` so the output reads as a transcript; typed
        at a terminal (`echo=False`), it is already on the screen once.
        """
        for line in lines:
            text = line.strip()
            if not text:
                continue
            if echo:
                self.output.write(f"{PROMPT}{text}\n")
            try:
                response = self.router.handle(self.incoming(text))
            except Exception:
                # The database went away under the router (a dropped connection): the session goes on.
                logger.warning(
                    "could not handle a terminal message", exc_info=logger.isEnabledFor(logging.DEBUG)
                )
                response = Response([self.apology()])
            self.show(response)

    def converse(self) -> None:
        """Chat at a terminal: a prompt before each line, until end of input (Ctrl-D)."""
        try:
            import readline  # noqa: F401  (line editing and history for input(), where the platform has it)
        except ImportError:
            pass
        self.run(typed_lines(), echo=False)
        self.output.write("\n")
        self.output.flush()

    def incoming(self, text: str) -> Incoming:
        """The message a typed line stands for: a number picks a button offered just before."""
        message_id = f"{self._session}-{next(self._ids)}"
        if text.isdigit() and 1 <= int(text) <= len(self._offered):
            choice = self._offered[int(text) - 1].data
            return Incoming(CHANNEL, self.employee_no, self.employee_no, message_id, choice=choice)
        return Incoming(CHANNEL, self.employee_no, self.employee_no, message_id, text=text)

    def show(self, response: Response) -> None:
        """Print replies, number their buttons, and say who else was told."""
        self._offered = []
        for reply in response.replies:
            if reply.text:
                self.output.write(reply.text + "\n")
            options = choices(reply)
            for line in self.numbered(options, first=len(self._offered) + 1):
                self.output.write(line + "\n")
            self._offered.extend(options)
            if reply.picture is not None or reply.document is not None:
                self.output.write(f"  ({reply.filename or 'picture'})\n")
        told = sorted({p.person_id for p in response.pushes})
        if told:
            try:
                names = "、".join(p.name for p in self.people.people_by_id(told))
            except Exception:
                # What was recorded stands; only the names of who was told could not be read just now.
                logger.warning("could not read who was told", exc_info=logger.isEnabledFor(logging.DEBUG))
                names = render("console.pushed_count", self.language, count=len(told))
            self.output.write(render("console.pushed", self.language, names=names) + "\n")
        self.output.flush()
