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

    routes = [Route("/healthz", healthz, methods=["GET"])]
    if wecom is not None:
        routes.extend(wecom_routes(wecom))
    if telegram is not None:
        routes.extend(telegram_routes(telegram, telegram_secret))
    return Starlette(routes=routes)


def telegram_routes(telegram: UpdateProcessor, secret: str | None) -> list[Route]:
    """The Telegram webhook: updates posted with the secret token set with setWebhook."""
    if not secret:
        # Webhook mode without its secret would take updates from anyone (settings refuse it too).
        raise ValueError("the Telegram webhook needs its secret token")
    expected = secret.encode()

    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        # Only Telegram knows the secret; anything else is refused unread (compared in constant time, as bytes:
        # a header may hold any characters).
        if not hmac.compare_digest(given.encode(), expected):
            return Response(status_code=403)
        try:
            payload = await request.json()
        except ValueError:
            return Response(status_code=400)
        await telegram(payload)
        return Response(status_code=200)

    return [Route("/telegram/webhook", telegram_webhook, methods=["POST"])]


def wecom_routes(wecom: WeComChannel) -> list[Route]:
    """WeCom's URL check and its encrypted callbacks."""

    async def wecom_check(request: Request) -> Response:
        # WeCom checks the callback URL once, when it is saved in the admin console.
        query = request.query_params
        try:
            echo = wecom.verify(
                query.get("msg_signature", ""),
                query.get("timestamp", ""),
                query.get("nonce", ""),
                query.get("echostr", ""),
            )
        except BadCallback as refusal:
            logger.warning("WeCom URL check refused: %s", refusal)
            return Response(status_code=403)
        return PlainTextResponse(echo)

    async def wecom_callback(request: Request) -> Response:
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
            # Kept in the database before the 200 (WeCom does not send a callback again once answered), and
            # answered at once, well inside WeCom's 5 seconds; the replies follow through the API.
            try:
                await wecom.accept(incoming)
            except Exception:
                logger.exception("WeCom callback %s could not be kept", incoming.key)
                return Response(status_code=503)  # not answered: WeCom sends it again
        return PlainTextResponse("")

    return [
        Route("/wecom/callback", wecom_check, methods=["GET"]),
        Route("/wecom/callback", wecom_callback, methods=["POST"]),
    ]
