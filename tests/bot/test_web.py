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
