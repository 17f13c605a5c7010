"""/start, /help (帮助): what the bot does and what this person may do."""

from __future__ import annotations

from core.messages import Response
from handlers.context import Context
from handlers.registry import Command, Feature


def help_text(ctx: Context) -> Response:
    """The introduction and the commands open to the sender."""
    role = ctx.person.role if ctx.person else None
    lines = [ctx.t("help.intro")]
    if ctx.person is None:
        lines.append(ctx.t("help.unbound"))
    else:
        lines.append(ctx.t("help.hello", name=ctx.person.name, role=ctx.t(f"role.{ctx.person.role}")))
        # The collection rules come before the commands: everyone bound reads them first.
        lines.insert(1, ctx.t("rules.contact"))
    lines.extend(ctx.t(f"help.{command}") for command in ctx.commands_by_role.get(role, ()))
    if ctx.person is not None and role != "leader":
        lines.append(ctx.t("help.free_text"))
    return Response.text("\n".join(lines))


FEATURE = Feature(
    commands=(
        Command(
            "help", lambda ctx, _args: help_text(ctx), keywords=("帮助",), aliases=("start",), unbound=True
        ),
    )
)
