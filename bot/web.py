"""The web server for webhooks (SPEC §8): /wecom/callback, /telegram/webhook and /healthz."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.wecom import BadCallback, WeComChannel

logger = logging.getLogger(__name__)

UpdateProcessor = Callable[[dict[str, Any]], Awaitable[None]]
HealthCheck = Callable[[], dict[str, bool]]


def build_web_app(
    health: HealthCheck,
    telegram: UpdateProcessor | None = None,
    telegram_secret: str | None = None,
    wecom: WeComChannel | None = None,
) -> Starlette:
    """The ASGI application serving the configured webhooks and the health check."""

    async def healthz(_request: Request) -> Response:
        checks = health()
        ok = all(checks.values())
        return JSONResponse({"status": "ok" if ok else "unhealthy", **checks}, status_code=200 if ok else 503)

    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        # Only Telegram knows the secret set with setWebhook; anything else is refused unread.
        if telegram_secret and not hmac.compare_digest(given, telegram_secret):
            return Response(status_code=403)
        try:
            payload = await request.json()
        except ValueError:
            return Response(status_code=400)
        assert telegram is not None
        await telegram(payload)
        return Response(status_code=200)

    async def wecom_check(request: Request) -> Response:
        # WeCom checks the callback URL once, when it is saved in the admin console.
        assert wecom is not None
        query = request.query_params
        try:
            echo = wecom.verify(
                query.get("msg_signature", ""),
                query.get("timestamp", ""),
                query.get("nonce", ""),
                query.get("echostr", ""),
            )
        except BadCallback:
            return Response(status_code=403)
        return PlainTextResponse(echo)

    async def wecom_callback(request: Request) -> Response:
        assert wecom is not None
        query = request.query_params
        try:
            incoming = wecom.read(
                await request.body(),
                query.get("msg_signature", ""),
                query.get("timestamp", ""),
                query.get("nonce", ""),
            )
        except BadCallback as refusal:
            logger.warning("WeCom callback refused: %s", refusal)
            return Response(status_code=403)
        if incoming is not None:
            # Answered at once, well inside WeCom's 5 seconds; the replies follow through the API.
            wecom.accept(incoming)
        return PlainTextResponse("")

    routes = [Route("/healthz", healthz, methods=["GET"])]
    if wecom is not None:
        routes.append(Route("/wecom/callback", wecom_check, methods=["GET"]))
        routes.append(Route("/wecom/callback", wecom_callback, methods=["POST"]))
    if telegram is not None:
        routes.append(Route("/telegram/webhook", telegram_webhook, methods=["POST"]))
    return Starlette(routes=routes)
