"""An event loop of its own, in a thread of its own, for a channel whose work may block its loop.

The Telegram channel answers one update at a time, and the router's store calls block. Handing each
answer to a worker thread costs more than the answer's own statements (two thread switches, and the
worker's caches cold on the other core); a loop that serves nothing but the channel can make them in
place instead. The service's loop (the web server, WeCom, the schedule) is never held up: what it asks of
the channel (serve, a webhook's update, a scheduled send) is run on the channel's loop and awaited.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
# How long closing waits for the loop's thread to end (it ends as soon as the loop stops).
JOIN_SECONDS = 10.0


class OwnLoop:
    """A loop in a daemon thread, started by the first `run` and ended by `stop`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=_run_forever, args=(loop,), name=self.name, daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` on the own loop and wait for it from the caller's loop (cancelling one cancels both)."""
        loop = self._started()
        if asyncio.get_running_loop() is loop:
            return await work
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, loop))

    def call_soon(self, callback: Callable[[], object]) -> None:
        """Have the own loop call `callback` (from any thread); nothing when the loop is not running."""
        with self._lock:
            loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(callback)

    def stop(self) -> None:
        """Stop the loop and wait for its thread (what is still pending there is dropped)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(JOIN_SECONDS)
        if thread.is_alive():
            logger.warning("the %s loop did not stop within %s s", self.name, JOIN_SECONDS)


def _run_forever(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
