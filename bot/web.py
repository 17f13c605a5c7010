"""The web server for webhooks (SPEC §8): /telegram/webhook, /healthz, and later /wecom/callback."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

logger = logging.getLogger(__name__)

UpdateProcessor = Callable[[dict[str, Any]], Awaitable[None]]
HealthCheck = Callable[[], dict[str, bool]]


def build_web_app(
    health: HealthCheck,
    telegram: UpdateProcessor | None = None,
    telegram_secret: str | None = None,
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

    routes = [Route("/healthz", healthz, methods=["GET"])]
    if telegram is not None:
        routes.append(Route("/telegram/webhook", telegram_webhook, methods=["POST"]))
    return Starlette(routes=routes)
