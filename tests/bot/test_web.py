"""The web server: the Telegram webhook checks its secret; /healthz answers."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from bot.web import build_web_app


def test_webhook_refuses_a_wrong_secret_and_passes_the_right_one() -> None:
    received: list[dict[str, Any]] = []

    async def process(payload: dict[str, Any]) -> None:
        received.append(payload)

    client = TestClient(build_web_app(lambda: {"database": True}, process, "s3cret"))
    update = {"update_id": 1, "message": {"message_id": 1}}
    assert client.post("/telegram/webhook", json=update).status_code == 403
    assert (
        client.post(
            "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
        ).status_code
        == 403
    )
    assert received == []
    ok = client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
    assert ok.status_code == 200
    assert received == [update]


def test_healthz_reports_the_database() -> None:
    assert TestClient(build_web_app(lambda: {"database": True})).get("/healthz").json() == {
        "status": "ok",
        "database": True,
    }
    down = TestClient(build_web_app(lambda: {"database": False})).get("/healthz")
    assert down.status_code == 503
    # No webhook configured: no webhook route.
    assert (
        TestClient(build_web_app(lambda: {"database": True})).post("/telegram/webhook", json={}).status_code
        == 404
    )


def test_webhook_mode_without_a_secret_does_not_start() -> None:
    """Posted button presses as a lead's user id confirmed repayments when no secret was set."""
    import pytest

    from bot.settings import load_settings
    from core.errors import UserError

    async def process(payload: dict[str, Any]) -> None:
        raise AssertionError("nothing may reach the bot")

    with pytest.raises(ValueError):
        build_web_app(lambda: {"database": True}, process, None)
    with pytest.raises(UserError) as refused:
        load_settings(
            _env_file=None,
            telegram_bot_token="1:x",
            telegram_webhook_url="https://bot.example/telegram/webhook",
        )
    assert "TELEGRAM_WEBHOOK_SECRET" in refused.value.render("zh")
    assert "\n" not in refused.value.render("zh")


def test_a_secret_header_of_any_characters_is_refused_not_an_error() -> None:
    async def process(payload: dict[str, Any]) -> None:
        raise AssertionError("nothing may reach the bot")

    client = TestClient(build_web_app(lambda: {"database": True}, process, "s3cret"))
    forged = client.post(
        "/telegram/webhook",
        json={"update_id": 1},
        headers={"X-Telegram-Bot-Api-Secret-Token": "密钥".encode()},
    )
    assert forged.status_code == 403
