"""Settings: defaults, plain database URLs, and one clear line for a bad value."""

from __future__ import annotations

from datetime import date

import pytest

from bot.settings import configured_language, load_settings
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


@pytest.mark.parametrize(
    ("variable", "value", "chinese", "english"),
    [
        ("STALE_DAYS", "soon", "应为整数（当前为“soon”）", 'should be a whole number (it is "soon")'),
        ("REMINDER_DAYS", "7.5", "应为整数（当前为“7.5”）", 'should be a whole number (it is "7.5")'),
        ("STALE_DAYS", "0", "应不小于 1（当前为“0”）", 'should be at least 1 (it is "0")'),
        ("LARGE_LOAN_AMOUNT", "0", "应大于 0（当前为“0”）", 'should be more than 0 (it is "0")'),
        (
            "LARGE_LOAN_AMOUNT",
            "500万",
            "应为以元为单位的金额，如 5000000（当前为“500万”）",
            'should be an amount in yuan, such as 5000000 (it is "500万")',
        ),
        ("HTTP_PORT", "70000", "应不大于 65535（当前为“70000”）", 'should be at most 65535 (it is "70000")'),
        (
            "SKIP_HOLIDAYS",
            "maybe",
            "应为 true 或 false（当前为“maybe”）",
            'should be true or false (it is "maybe")',
        ),
        (
            "REMINDER_TIME",
            "25:00",
            "应为时刻，如 08:30（当前为“25:00”）",
            'should be a time of day such as 08:30 (it is "25:00")',
        ),
        (
            "CAMPAIGN_START",
            "2026-13-01",
            "应为日期，如 2026-12-31（当前为“2026-13-01”）",
            'should be a date such as 2026-12-31 (it is "2026-13-01")',
        ),
        (
            "CAMPAIGN_END",
            "2026-12-31T18:00",
            "应为日期，如 2026-12-31（当前为“2026-12-31T18:00”）",
            'should be a date such as 2026-12-31 (it is "2026-12-31T18:00")',
        ),
        (
            "TIMEZONE",
            "Mars/Base",
            "未知时区“Mars/Base”，请写成 Asia/Shanghai 这样的时区名",
            'unknown time zone "Mars/Base": write a zone name such as Asia/Shanghai',
        ),
        (
            "DATABASE_URL",
            "mysql://root:hunter2@localhost/x",
            "请写成 sqlite:///路径.db 或 postgresql://用户@主机:端口/库名",
            "write sqlite:///path.db or postgresql://user@host:port/database",
        ),
    ],
)
def test_bad_setting_is_said_wholly_in_the_users_language(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, chinese: str, english: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(UserError) as refused:
        load_settings(_env_file=None)
    assert refused.value.render("zh") == f"配置项 {variable} 无效：{chinese}"
    assert refused.value.render("en") == f"Setting {variable} is invalid: {english}"


def test_a_bad_language_is_said_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "fr")
    with pytest.raises(UserError) as refused:
        load_settings(_env_file=None)
    assert (
        refused.value.render(configured_language()) == "配置项 LANGUAGE 无效：应为 zh / en 之一（当前为“fr”）"
    )
    monkeypatch.setenv("LANGUAGE", "en")
    assert configured_language() == "en"
    assert configured_language(language="zh") == "zh"


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
    assert refused.value.render("en") == (
        "Setting WECOM_AES_KEY is invalid: it is not set; WeCom needs all five of "
        "WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN, WECOM_AES_KEY"
    )
    monkeypatch.setenv("WECOM_AES_KEY", "too-short")
    with pytest.raises(UserError) as refused:
        load_settings(_env_file=None)
    assert refused.value.render("zh") == (
        "配置项 WECOM_AES_KEY 无效：应为企业微信应用的 EncodingAESKey，共 43 个字符（当前为 9 个）"
    )
    assert "too-short" not in refused.value.render("en")  # a secret is never repeated
    monkeypatch.setenv("WECOM_AES_KEY", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
    assert load_settings(_env_file=None).wecom_aes_key is not None


def test_campaign_end_before_start_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMPAIGN_START", "2026-06-01")
    monkeypatch.setenv("CAMPAIGN_END", "2026-01-01")
    with pytest.raises(UserError) as refused:
        load_settings(_env_file=None)
    assert (
        refused.value.render("zh")
        == "配置项 CAMPAIGN_END 无效：结束日期 2026-01-01 早于 CAMPAIGN_START 的 2026-06-01"
    )
    assert refused.value.render("en") == (
        "Setting CAMPAIGN_END is invalid: the last day 2026-01-01 is before CAMPAIGN_START's 2026-06-01"
    )


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
