"""From an incoming message to the handler that answers it: binding, roles, the group, re-deliveries, errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from core.errors import UserError
from core.messages import Incoming, Reply, Response
from core.texts import render
from core.views import PersonView
from handlers import bind, cases, due, freetext, help, log, pending, rank, repay, report, status, undo
from handlers.context import BotConfig, Context
from store.base import Conflict
from store.ledger import Store

logger = logging.getLogger(__name__)

Handler = Callable[[Context, list[str]], Response]


@dataclass(frozen=True, slots=True)
class Command:
    """A command: its handler, whether an unbound identity may use it, whether it writes to the ledger.

    A writing command's entries and the answer it got commit together, in one transaction, unless it keeps
    something of a refused attempt (`atomic=False`: a wrong bind code counts towards the lock).
    """

    handler: Handler
    unbound: bool = False
    writes: bool = False
    atomic: bool = True


COMMANDS: dict[str, Command] = {
    "start": Command(lambda ctx, _args: help.help_text(ctx), unbound=True),
    "help": Command(lambda ctx, _args: help.help_text(ctx), unbound=True),
    "bind": Command(bind.bind, unbound=True, writes=True, atomic=False),
    "cases": Command(cases.my_cases),
    "case": Command(cases.case_card_reply),
    "log": Command(log.log_contact, writes=True),
    "repay": Command(repay.report_repayment, writes=True),
    "undo": Command(undo.undo, writes=True),
    "due": Command(due.due),
    "status": Command(status.status),
    "rank": Command(rank.rank),
    "pending": Command(pending.pending),
    "confirm": Command(lambda ctx, args: pending.typed(ctx, args, confirm=True), writes=True),
    "reject": Command(lambda ctx, args: pending.typed(ctx, args, confirm=False), writes=True),
    "report": Command(report.report, writes=True),
}
# WeCom has no slash commands: each command has a Chinese keyword that works the same way (SPEC §3).
KEYWORDS = {
    "帮助": "help",
    "绑定": "bind",
    "我的案件": "cases",
    "案件": "case",
    "联系": "log",
    "还款": "repay",
    "撤销": "undo",
    "到期": "due",
    "进度": "status",
    "排名": "rank",
    "待确认": "pending",
    "确认": "confirm",
    "驳回": "reject",
    "报告": "report",
}
GROUP_COMMANDS = ("rank", "status")
# Leaders read; recording is the responsible officer's (a leader may still report a special situation).
LEADER_REFUSED = ("log", "repay", "undo")
# Lists of one's own cases: a leader has none, and is shown where the campaign's figures are instead.
LEADER_HAS_NO_CASES = ("cases", "due")

ChoiceHandler = Callable[[Context, str], Response]
CHOICES: dict[str, tuple[ChoiceHandler, bool]] = {
    "case": (lambda ctx, data: cases.case_card_reply(ctx, [data]), False),
    "unit": (lambda ctx, data: status.status(ctx, [data]), False),
    "page": (cases.next_page, False),
    "logmenu": (log.log_menu, False),
    "repayhelp": (log.repay_help, False),
    "quick": (log.quick_log, True),
    "ok": (lambda ctx, data: pending.decide(ctx, data, confirm=True), True),
    "no": (lambda ctx, data: pending.decide(ctx, data, confirm=False), False),
    "noreason": (pending.reject_with_reason, True),
    "okall": (pending.confirm_all, True),
    "pendpage": (pending.next_page, False),
    "pick": (freetext.pick, True),
    "promise": (freetext.promise_choice, True),
}


def split_command(text: str) -> tuple[str, list[str]] | None:
    """The command and its words, from `/repay L1 5万` or `还款 L1 5万`; None for free text."""
    stripped = text.strip()
    if stripped.startswith("/"):
        words = stripped[1:].split()
        if not words:
            return "", []  # `/` alone: no command, answered as an unknown one
        head, *args = words
        return head.split("@", 1)[0].lower(), args
    words = stripped.split()
    if not words:
        return None
    if words[0] in KEYWORDS:
        return KEYWORDS[words[0]], words[1:]
    # `案件L2023001`, `绑定ABCD2345`: a keyword written straight against its first word.
    for keyword, command in sorted(KEYWORDS.items(), key=lambda item: -len(item[0])):
        rest = words[0][len(keyword) :]
        if words[0].startswith(keyword) and rest[:1].isascii() and rest[:1].isalnum():
            return command, [rest, *words[1:]]
    return None


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
            run, writes, atomic = self._route(Context(self.store, self.config, incoming, person))
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

    def _route(self, ctx: Context) -> tuple[Callable[[], Response], bool, bool]:
        """What will answer the message, whether it writes (and so is answered once only), and atomically."""
        incoming, person = ctx.incoming, ctx.person
        if incoming.choice is not None:
            if person is None:
                raise UserError("auth.unbound")
            kind, _, data = incoming.choice.partition(":")
            choice = CHOICES.get(kind)
            if choice is None:
                raise UserError("choice.expired")
            return (lambda: choice[0](ctx, data)), choice[1], True
        parsed = split_command(incoming.text) if incoming.text else None
        if incoming.is_group:
            # In the task-force group only the ranking and progress are answered; chatter is left alone.
            if parsed is None or parsed[0] not in GROUP_COMMANDS or person is None:
                return Response, False, False
        if parsed is None:
            if person is None:
                raise UserError("auth.unbound")
            return (lambda: self._without_command(ctx)), True, True
        name, args = parsed
        if not name:
            raise UserError("command.missing")
        command = COMMANDS.get(name)
        if command is None:
            raise UserError("command.unknown", command=name)
        if person is None and not command.unbound:
            raise UserError("auth.unbound")
        if person is not None and person.role == "leader" and name in LEADER_REFUSED:
            raise UserError("case.leader_reads_only")
        if person is not None and person.role == "leader" and name in LEADER_HAS_NO_CASES:
            raise UserError("case.leader_has_no_cases")
        return (lambda: command.handler(ctx, args)), command.writes, command.atomic

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
