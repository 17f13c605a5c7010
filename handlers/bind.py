"""/bind CODE (绑定): link this chat identity to a person with a one-time code."""

from __future__ import annotations

from core.errors import UserError
from core.messages import Response
from handlers.context import Context
from handlers.registry import Command, Feature


def bind(ctx: Context, args: list[str]) -> Response:
    """Bind the sender's chat identity; refusals change nothing but the attempt count."""
    if ctx.person is not None:
        raise UserError("bind.already_bound")
    if len(args) != 1:
        raise UserError("bind.usage")
    person = ctx.store.bind(ctx.incoming.channel, ctx.incoming.sender_id, args[0])
    done = ctx.t("bind.done", name=person.name, role=ctx.t(f"role.{person.role}"), unit=person.unit or "专班")
    return Response.text(done + "\n" + ctx.t("rules.contact"))


# A wrong code counts towards the lock even though the bind is refused: not all-or-nothing.
FEATURE = Feature(
    commands=(
        Command(
            "bind", bind, keywords=("绑定",), unbound=True, writes=True, atomic=False, listed_for=(None,)
        ),
    )
)
