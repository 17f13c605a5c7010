"""`qingshou run`: every configured channel at once, until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import uvicorn

from bot.app import App


async def serve(app: App) -> None:
    """Run Telegram (polling or webhook), WeCom (callbacks), the daily schedule and the web server until SIGINT
    or SIGTERM."""
    from bot.web import build_web_app
    from reminders.scheduler import Schedule

    settings = app.settings
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)

    tasks = []
    telegram = app.telegram()
    wecom = app.wecom()
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else None
    if telegram is not None and settings.telegram_webhook_url:
        tasks.append(asyncio.create_task(telegram.run_webhook(settings.telegram_webhook_url, secret, stop)))
    elif telegram is not None:
        tasks.append(asyncio.create_task(telegram.run_polling(stop)))

    schedule = Schedule(
        app.store, app.schedule_config(), [c for c in (telegram,) if c is not None], settings.zone
    )
    schedule.start()

    web = build_web_app(
        lambda: {"database": app.store.answers(), "scheduler": schedule.running},
        telegram=telegram.process if telegram is not None and settings.telegram_webhook_url else None,
        telegram_secret=secret,
        wecom=wecom,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            web, host=settings.http_host, port=settings.http_port, log_level="warning", lifespan="off"
        )
    )
    tasks.append(asyncio.create_task(server.serve()))
    await stop.wait()
    schedule.shutdown()
    server.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
    if wecom is not None:
        await wecom.close()
