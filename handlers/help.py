"""/start, /help (帮助): what the bot does and what this person may do."""

from __future__ import annotations

from core.messages import Response
from handlers.context import Context

# What a unit lead and the clerk may do: all of an officer's, and deciding on repayments.
_DECIDERS = ("cases", "case", "log", "repay", "undo", "due", "status", "rank", "pending", "confirm", "report")
COMMANDS_BY_ROLE = {
    None: ("bind",),
    "officer": ("cases", "case", "log", "repay", "undo", "due", "status", "rank", "report"),
    "unit_lead": _DECIDERS,
    "leader": ("case", "status", "rank", "pending"),
    "admin": _DECIDERS,
}


def help_text(ctx: Context) -> Response:
    """The introduction and the commands open to the sender."""
    role = ctx.person.role if ctx.person else None
    lines = [ctx.t("help.intro")]
    if ctx.person is None:
        lines.append(ctx.t("help.unbound"))
    else:
        lines.append(ctx.t("help.hello", name=ctx.person.name, role=ctx.t(f"role.{ctx.person.role}")))
    lines.extend(ctx.t(f"help.{command}") for command in COMMANDS_BY_ROLE[role])
    if ctx.person is not None and role != "leader":
        lines.append(ctx.t("help.free_text"))
    return Response.text("\n".join(lines))
