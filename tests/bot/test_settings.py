"""Settings: defaults, plain database URLs, and one clear line for a bad value."""

from __future__ import annotations

from datetime import date

import pytest

from bot.settings import load_settings
from core.errors import UserError
from store.engine import normalize_url


def test_defaults_follow_the_spec() -> None:
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite:///qingshou.db"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.language == "zh"
    assert (settings.reminder_days, settings.stale_days, settings.notice_grace_days) == (7, 7, 3)
    assert settings.reminder_time.isoformat() == "08:30:00"
    assert settings.ranking_time.isoformat() == "18:00:00"
    assert settings.start == date(settings.today().year, 1, 1)
    assert settings.end == date(settings.today().year, 12, 31)
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("REMINDER_DAYS", "abc", "REMINDER_DAYS"),
        ("TIMEZONE", "Mars/Base", "TIMEZONE"),
        ("CAMPAIGN_START", "2026-13-01", "CAMPAIGN_START"),
        ("DATABASE_URL", "mysql://localhost/x", "DATABASE_URL"),
        ("REMINDER_TIME", "25:00", "REMINDER_TIME"),
        ("LANGUAGE", "fr", "LANGUAGE"),
        ("HTTP_PORT", "0", "HTTP_PORT"),
    ],
)
def test_bad_setting_names_itself_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(UserError) as refused:
        load_settings(_env_file=None)
    line = refused.value.render("zh")
    assert named in line
    assert "\n" not in line


def test_wecom_needs_every_credential_and_a_whole_aes_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (
        ("WECOM_CORP_ID", "wx5823bf96d3bd56c7"),
        ("WECOM_AGENT_ID", "1000002"),
        ("WECOM_SECRET", "secret"),
        ("WECOM_TOKEN", "QDG6eK"),
    ):
        monkeypatch.setenv(name, value)
    with pytest.raises(UserError) as refused:
        load_settings(_env_file=None)
    assert "WECOM_AES_KEY is not set" in refused.value.render("en")
    monkeypatch.setenv("WECOM_AES_KEY", "too-short")
    with pytest.raises(UserError) as refused:
        load_settings(_env_file=None)
    assert "WECOM_AES_KEY must be the 43 characters" in refused.value.render("en")
    monkeypatch.setenv("WECOM_AES_KEY", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
    assert load_settings(_env_file=None).wecom_aes_key is not None


def test_campaign_end_before_start_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMPAIGN_START", "2026-06-01")
    monkeypatch.setenv("CAMPAIGN_END", "2026-01-01")
    with pytest.raises(UserError) as refused:
        load_settings(_env_file=None)
    assert "CAMPAIGN_END" in refused.value.render("en")


def test_empty_values_mean_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("CAMPAIGN_START", "")
    settings = load_settings(_env_file=None)
    assert settings.telegram_bot_token is None


def test_secrets_stay_out_of_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:VERY-SECRET")
    for name, value in (
        ("WECOM_CORP_ID", "wx5823bf96d3bd56c7"),
        ("WECOM_AGENT_ID", "1000002"),
        ("WECOM_SECRET", "wecom-secret-value"),
        ("WECOM_TOKEN", "QDG6eK"),
        ("WECOM_AES_KEY", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"),
    ):
        monkeypatch.setenv(name, value)
    settings = load_settings(_env_file=None)
    assert "VERY-SECRET" not in repr(settings) and "wecom-secret-value" not in str(settings)
    assert "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C" not in repr(settings)
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123456:VERY-SECRET"


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///qingshou.db", "sqlite+pysqlite"),
        ("postgresql://postgres@127.0.0.1:5432/test", "postgresql+psycopg"),
        ("postgres://postgres@127.0.0.1/test", "postgresql+psycopg"),
    ],
)
def test_plain_database_urls_pick_the_driver(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver
