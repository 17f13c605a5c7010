"""What a feature declares beside its handlers, and the lookup tables the router builds from every feature's."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from core.messages import Response
from core.vocabulary import ROLES
from handlers.context import Context

Handler = Callable[[Context, list[str]], Response]
ChoiceHandler = Callable[[Context, str], Response]

# Whom a declaration names, with core.permissions.WORKERS (SPEC §1); None in `listed_for` is an unbound identity.
EVERYONE = ROLES
DECIDERS = ("unit_lead", "admin")
# A leader's refusals: leaders read every case but record on none, and have no cases of their own.
LEADER_READS_ONLY = {"leader": "case.leader_reads_only"}
LEADER_HAS_NO_CASES = {"leader": "case.leader_has_no_cases"}


@dataclass(frozen=True, slots=True)
class Command:
    """A command: `/name`, the Chinese keywords that work the same way without a slash (WeCom has no slash
    commands, SPEC §3), who may use it, whether it writes to the ledger, and whom /help lists it to.

    A writing command's entries and the answer it got commit together, in one transaction, unless it keeps
    something of a refused attempt (`atomic=False`: a wrong bind code counts towards the lock).
    """

    name: str
    handler: Handler
    keywords: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    unbound: bool = False  # an identity not bound to a person may use it
    writes: bool = False
    atomic: bool = True
    in_group: bool = False  # answered in the task-force group, where everything else is left alone
    refused: Mapping[str, str] = field(default_factory=dict)  # role -> the refusal's text key
    listed_for: tuple[str | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Choice:
    """A button: the prefix of its data (`ok` of `ok:42`) and what answers a press, given the rest."""

    prefix: str
    handler: ChoiceHandler
    writes: bool = False
    refused: Mapping[str, str] = field(default_factory=dict)  # role -> the refusal's text key


@dataclass(frozen=True, slots=True)
class Feature:
    """What one handler module answers: its commands and the buttons its replies offer."""

    commands: tuple[Command, ...] = ()
    choices: tuple[Choice, ...] = ()


Named = TypeVar("Named")


def _add(table: dict[str, Named], name: str, entry: Named) -> None:
    """Add to a lookup table; two features claiming one name is a mistake made at start-up, not a reply."""
    if name in table:
        raise ValueError(f"{name!r} is declared twice")
    table[name] = entry


class Routes:
    """Commands by name and keyword, buttons by prefix, and what /help lists to each role."""

    def __init__(self, features: Iterable[Feature]) -> None:
        self.commands: dict[str, Command] = {}
        self.keywords: dict[str, str] = {}
        self.choices: dict[str, Choice] = {}
        declared: list[Command] = []
        for feature in features:
            for command in feature.commands:
                declared.append(command)
                for name in (command.name, *command.aliases):
                    _add(self.commands, name, command)
                for keyword in command.keywords:
                    _add(self.keywords, keyword, command.name)
            for choice in feature.choices:
                _add(self.choices, choice.prefix, choice)
        # `案件L2023001`: the longest keyword a first word starts with is the one meant.
        self._longest_first = sorted(self.keywords.items(), key=lambda item: -len(item[0]))
        self.commands_by_role: dict[str | None, tuple[str, ...]] = {
            role: tuple(c.name for c in declared if role in c.listed_for) for role in (None, *ROLES)
        }

    def split(self, text: str) -> tuple[str, list[str]] | None:
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
        if words[0] in self.keywords:
            return self.keywords[words[0]], words[1:]
        # `案件L2023001`, `绑定ABCD2345`: a keyword written straight against its first word.
        for keyword, command in self._longest_first:
            rest = words[0][len(keyword) :]
            if words[0].startswith(keyword) and rest[:1].isascii() and rest[:1].isalnum():
                return command, [rest, *words[1:]]
        return None
