"""The terminal chat when the database misbehaves: the session goes on, and says what happened."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import create_engine, text

from bot.app import App
from bot.channels.console import ConsoleChannel
from core.messages import Incoming, Response
from tests.ledger_data import seed


def drop_every_connection(app: App) -> None:
    """What a PostgreSQL restart does: every connection the bot holds is cut."""
    pool = app.engine.pool
    held = [app.engine.connect() for _ in range(max(1, pool.checkedin()))]  # type: ignore[attr-defined]
    pids = [connection.execute(text("SELECT pg_backend_pid()")).scalar_one() for connection in held]
    for connection in held:
        connection.close()
    outsider = create_engine(app.engine.url)
    with outsider.begin() as connection:
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    outsider.dispose()


def test_a_dropped_connection_does_not_end_the_session(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    if app.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL server drops connections")
    seed(app)
    output = io.StringIO()
    channel = ConsoleChannel(app.router(), app.store, "E002", output)
    channel.run(["L2023002 还款1000 现金"])
    # Connections are pinged only after sitting idle: right after a message they are trusted, and fail.
    monkeypatch.setattr("store.engine.PING_AFTER_IDLE_SECONDS", 3600.0)
    drop_every_connection(app)
    channel.run(["L2023002 还款2000 现金", "L2023002 还款3000 现金"])
    printed = output.getvalue()
    assert "Traceback" not in printed
    # The one message caught by the cut is apologised for; the session goes on and records the next.
    assert printed.count("已报告还款：L2023002") >= 2
    assert "已报告还款：L2023002 李四 ¥3,000.00" in printed
    amounts = sorted(entry.amount for entry in app.store.repayments("L2023002"))
    assert amounts[0] == 1000 and amounts[-1] == 3000


def test_a_connection_cut_after_recording_still_shows_the_answer(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trial: the connection went away after the report was recorded, while the terminal looked up whom
    it had told; the session died with a traceback."""
    if app.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL server drops connections")
    seed(app)
    output = io.StringIO()
    channel = ConsoleChannel(app.router(), app.store, "E002", output)
    monkeypatch.setattr("store.engine.PING_AFTER_IDLE_SECONDS", 3600.0)
    handle = channel.router.handle

    def handle_then_cut(incoming: Incoming) -> Response:
        response = handle(incoming)
        drop_every_connection(app)  # the fault, injected between recording and showing
        return response

    monkeypatch.setattr(channel.router, "handle", handle_then_cut)
    channel.run(["L2023002 还款1000 现金"])
    printed = output.getvalue()
    assert "已报告还款：L2023002 李四 ¥1,000.00" in printed
    assert "（已通知：" in printed
    assert [entry.amount for entry in app.store.repayments("L2023002")] == [1000]
