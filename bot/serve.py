"""`qingshou run`: every configured channel, the daily schedule and the web server, until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

import uvicorn

from bot.app import App

logger = logging.getLogger(__name__)


class Service:
    """What `qingshou run` serves, built from the composition root: the channels, the schedule sending
    through every one of them, and the web server for webhooks and the health check."""

    def __init__(self, app: App) -> None:
        from bot.web import build_web_app
        from reminders.scheduler import Schedule

        self.app = app
        settings = app.settings
        self.channels = app.channels()
        self.schedule = Schedule(
            app.store, app.schedule_config(), self.channels.outlets, settings.zone, clock=app.store.now
        )
        telegram = self.channels.telegram
        web = build_web_app(
            lambda: {"database": app.store.answers(), "scheduler": self.schedule.running},
            telegram=telegram.process if telegram is not None and telegram.webhook_url else None,
            telegram_secret=telegram.webhook_secret if telegram is not None else None,
            wecom=self.channels.wecom,
        )
        self.server = uvicorn.Server(
            uvicorn.Config(
                web, host=settings.http_host, port=settings.http_port, log_level="warning", lifespan="off"
            )
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set, then stop the schedule, the channels and the web server."""
        # Answers kept for re-deliveries, drafts and offered choices nobody can use any more.
        await asyncio.to_thread(self.app.store.forget_expired)
        outlets = self.channels.outlets
        tasks: list[asyncio.Task[Any]] = [asyncio.create_task(channel.serve(stop)) for channel in outlets]
        self.schedule.start()
        tasks.append(asyncio.create_task(self.server.serve()))

        def ended(task: asyncio.Task[Any]) -> None:
            # A channel that stops on its own (a revoked bot token, say) stops the service, said in the log
            # (where secrets are masked) rather than held silently until shutdown.
            if not task.cancelled() and task.exception() is not None and not stop.is_set():
                logger.error("a channel stopped: %s", task.exception(), exc_info=task.exception())
                stop.set()

        for task in tasks:
            task.add_done_callback(ended)
        await stop.wait()
        self.schedule.shutdown()
        self.server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        # Once nothing more comes in: the messages in hand are finished, then connections closed.
        for channel in outlets:
            await channel.close()


async def serve(app: App) -> None:
    """Run Telegram (polling or webhook), WeCom (callbacks), the daily schedule and the web server until SIGINT
    or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    service = Service(app)
    outlets = ", ".join(outlet.name for outlet in service.channels.outlets)
    logger.info("serving %s on %s:%s", outlets, app.settings.http_host, app.settings.http_port)
    await service.run(stop)
