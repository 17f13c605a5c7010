"""From an incoming message to the handler that answers it: binding, roles, the group, re-deliveries, errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from core.errors import UserError
from core.messages import Incoming, Reply, Response
from core.texts import render
from core.views import PersonView
from handlers import (
    accountability,
    asset,
    assign,
    bind,
    cases,
    complaint,
    due,
    freetext,
    help,
    lawsuit,
    log,
    pending,
    rank,
    repay,
    report,
    status,
    target,
    undo,
)
from handlers.context import BotConfig, Context
from handlers.registry import Feature, Routes
from store.base import Conflict
from store.ledger import Store

logger = logging.getLogger(__name__)

# Every feature, registered once: its module declares its commands, keywords, roles and buttons.
# /help lists the commands in this order.
FEATURES: tuple[Feature, ...] = (
    help.FEATURE,
    bind.FEATURE,
    cases.FEATURE,
    log.FEATURE,
    repay.FEATURE,
    lawsuit.FEATURE,
    asset.FEATURE,
    undo.FEATURE,
    due.FEATURE,
    status.FEATURE,
    rank.FEATURE,
    pending.FEATURE,
    report.FEATURE,
    complaint.FEATURE,
    assign.FEATURE,
    target.FEATURE,
    accountability.FEATURE,
    freetext.FEATURE,
)
ROUTES = Routes(FEATURES)

# What will answer a message, whether it writes (and so is answered once only), and atomically.
Route = tuple[Callable[[], Response], bool, bool]


class _AlreadyAnswered(Exception):
    """The message was answered before: what this delivery did is rolled back."""


class Router:
    """Answers incoming messages; one instance serves every channel."""

    def __init__(self, store: Store, config: BotConfig) -> None:
        self.store = store
        self.config = config

    def handle(self, incoming: Incoming) -> Response:
        """The response to one message; a message delivered twice gets the first answer again."""
        with self.store.message_scope():
            return self._handle(incoming)

    def _handle(self, incoming: Incoming) -> Response:
        writes = False
        try:
            person = self._person(incoming)
            ctx = Context(self.store, self.config, incoming, person, ROUTES.commands_by_role)
            run, writes, atomic = self._route(ctx)
            if not writes:
                return run()
            if atomic:
                return self._once(incoming, run)
            if (remembered := self.store.answered(incoming.key)) is not None:
                return Response([Reply.from_dict(r) for r in remembered])
            response = run()
        except UserError as error:
            response = Response.text(error.render(self.config.language))
        except Exception:
            logger.exception("failed to handle %s", incoming.key)
            # Not remembered: the ledger is untouched, and a re-delivery should be tried again.
            return Response.text(render("error.unexpected", self.config.language))
        if writes:
            self.store.remember_answer(incoming.key, [r.to_dict() for r in response.replies])
        return response

    def _once(self, incoming: Incoming, run: Callable[[], Response]) -> Response:
        """Run a writing handler and keep its answer in the same transaction as what it recorded.

        Most messages arrive once, so the handler runs first and the answer is kept at the end. A message
        delivered again finds its answer already kept (or its entries' source keys taken, or the ledger moved
        on so that it is now refused): its transaction is rolled back and it gets the kept answer. One delivered
        twice at the same instant waits for the other delivery (SQLite) or fails on its unique keys
        (PostgreSQL) and, tried again, is answered from it.
        """
        tries = 2
        while True:
            tries -= 1
            try:
                return self._run_once(incoming, run)
            except (Conflict, _AlreadyAnswered, UserError) as error:
                remembered = self.store.answered(incoming.key)
                if remembered is not None:
                    return Response([Reply.from_dict(r) for r in remembered])
                if isinstance(error, UserError) or not tries:
                    raise

    def _run_once(self, incoming: Incoming, run: Callable[[], Response]) -> Response:
        with self.store.atomic():
            response = run()
            if not self.store.remember_answer(incoming.key, [r.to_dict() for r in response.replies]):
                raise _AlreadyAnswered(incoming.key)
            return response

    def _person(self, incoming: Incoming) -> PersonView | None:
        if incoming.channel == "console":
            # The terminal is the database's own machine: it speaks as the person named on the command line.
            return self.store.person_by_employee_no(incoming.sender_id)
        return self.store.person_by_identity(incoming.channel, incoming.sender_id)

    def _route(self, ctx: Context) -> Route:
        """What will answer the message, whether it writes (and so is answered once only), and atomically."""
        incoming, person = ctx.incoming, ctx.person
        if incoming.choice is not None:
            return self._choice(ctx, incoming.choice)
        parsed = ROUTES.split(incoming.text) if incoming.text else None
        if incoming.is_group and not _answered_in_group(parsed, person):
            return Response, False, False
        if parsed is None:
            if person is None:
                raise UserError("auth.unbound")
            return (lambda: self._without_command(ctx)), True, True
        name, args = parsed
        if not name:
            raise UserError("command.missing")
        command = ROUTES.commands.get(name)
        if command is None:
            raise UserError("command.unknown", command=name)
        if person is None and not command.unbound:
            raise UserError("auth.unbound")
        _refuse(person, command.refused)
        return (lambda: command.handler(ctx, args)), command.writes, command.atomic

    def _choice(self, ctx: Context, pressed: str) -> Route:
        """What answers a button: its prefix names the choice, the rest is the choice's data."""
        if ctx.person is None:
            raise UserError("auth.unbound")
        prefix, _, data = pressed.partition(":")
        choice = ROUTES.choices.get(prefix)
        if choice is None:
            raise UserError("choice.expired")
        _refuse(ctx.person, choice.refused)
        return (lambda: choice.handler(ctx, data)), choice.writes, True

    def _without_command(self, ctx: Context) -> Response:
        incoming = ctx.incoming
        if incoming.text.strip():
            return freetext.free_text(ctx)
        if incoming.location is not None:
            loan_no = self.store.attach_location(ctx.me.id, incoming.location)
            if loan_no is None:
                raise UserError("location.no_contact")
            return Response.text(ctx.t("location.kept", loan_no=loan_no))
        if incoming.photo is not None:
            raise UserError("photo.needs_caption")
        raise UserError("message.empty")


def _answered_in_group(parsed: tuple[str, list[str]] | None, person: PersonView | None) -> bool:
    """In the task-force group only the ranking and progress are answered; chatter is left alone."""
    if parsed is None or person is None:
        return False
    command = ROUTES.commands.get(parsed[0])
    return command is not None and command.in_group


def _refuse(person: PersonView | None, refused: Mapping[str, str]) -> None:
    """Refuse the sender if their role is one the command or button turns away."""
    if person is not None and person.role in refused:
        raise UserError(refused[person.role])
