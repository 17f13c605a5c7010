"""Settings from the environment or `.env` (SPEC §8); a bad value stops start-up with one line naming it."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.early_warning import LARGE_LOAN_AMOUNT
from core.errors import UserError
from core.texts import LANGUAGES, render


class Settings(BaseSettings):
    """Every setting of SPEC §8, read once by the composition root."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    database_url: str = "sqlite:///qingshou.db"
    timezone: str = "Asia/Shanghai"
    language: Literal["zh", "en"] = "zh"
    campaign_start: date | None = None
    campaign_end: date | None = None
    reminder_time: time = time(8, 30)
    reminder_days: int = Field(7, ge=0, le=365)
    stale_days: int = Field(7, ge=1, le=365)
    ranking_time: time = time(18, 0)
    skip_holidays: bool = True
    # The escalation ladder (SPEC §10): working days below the line before the first notice, and between rungs.
    notice_grace_days: int = Field(3, ge=1, le=60)
    notice_every_days: int = Field(5, ge=1, le=60)
    # An officer with open cases who records nothing for this many working days is nudged (SPEC §10).
    inactive_days: int = Field(3, ge=1, le=60)
    # Days of the month the half-monthly dispatch pack goes out on, at REMINDER_TIME: "1,16".
    dispatch_days: Annotated[tuple[int, ...], NoDecode] = (1, 16)
    # Who issues the notices (发文机关) and whom a unit calls about them.
    campaign_name: str = "不良贷款清收工作专班"
    task_force_contact: str = ""
    task_force_phone: str = ""
    # A new loan lent above this many yuan is large: overdue at all, it is warned of (SPEC §10).
    large_loan_amount: Decimal = Field(LARGE_LOAN_AMOUNT, gt=0, max_digits=16, decimal_places=2)

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_group_chat_id: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

    wecom_corp_id: str | None = None
    wecom_agent_id: str | None = None
    wecom_secret: SecretStr | None = None
    wecom_token: SecretStr | None = None
    wecom_aes_key: SecretStr | None = None
    wecom_api_base_url: str = "https://qyapi.weixin.qq.com"
    wecom_group_webhook_url: SecretStr | None = None

    http_host: str = "0.0.0.0"
    http_port: int = Field(8080, ge=1, le=65535)

    # Whether CAMPAIGN_START or CAMPAIGN_END was left to its default (the calendar year): said on start-up.
    campaign_window_is_default: bool = Field(False, exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise PydanticCustomError(
                "settings.unknown_zone", "unknown time zone {value}", {"value": value}
            ) from exc
        return value

    @field_validator("dispatch_days", mode="before")
    @classmethod
    def _days_of_month(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            days = tuple(sorted({int(part) for part in value.replace("，", ",").split(",") if part.strip()}))
        except ValueError:
            days = ()
        if not days or not all(1 <= day <= 31 for day in days):
            raise PydanticCustomError(
                "settings.dispatch_days", "write days of the month between 1 and 31, such as 1,16"
            )
        return days

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres://")):
            # The value is not repeated: a database URL may carry a password.
            raise PydanticCustomError(
                "settings.database_url", "use a sqlite:///path.db or postgresql://user@host:port/db URL"
            )
        return value

    @model_validator(mode="after")
    def _campaign_defaults(self) -> Settings:
        # The task force works to a year-end deadline: by default the campaign is the current calendar year.
        year = datetime.now(self.zone).year
        self.campaign_window_is_default = self.campaign_start is None or self.campaign_end is None
        if self.campaign_start is None:
            self.campaign_start = date(year, 1, 1)
        if self.campaign_end is None:
            self.campaign_end = date(self.campaign_start.year, 12, 31)
        if self.campaign_end < self.campaign_start:
            raise PydanticCustomError(
                "settings.campaign_order",
                "CAMPAIGN_END ({end}) is before CAMPAIGN_START ({start})",
                {"name": "CAMPAIGN_END", "end": str(self.campaign_end), "start": str(self.campaign_start)},
            )
        return self

    @model_validator(mode="after")
    def _wecom_complete(self) -> Settings:
        # WeCom needs all five to receive and answer; a half-filled set would start a bot that stays silent.
        needed = {
            "WECOM_CORP_ID": self.wecom_corp_id,
            "WECOM_AGENT_ID": self.wecom_agent_id,
            "WECOM_SECRET": self.wecom_secret,
            "WECOM_TOKEN": self.wecom_token,
            "WECOM_AES_KEY": self.wecom_aes_key,
        }
        given = [name for name, value in needed.items() if value]
        if given and len(given) < len(needed):
            missing = next(name for name, value in needed.items() if not value)
            raise PydanticCustomError(
                "settings.wecom_missing",
                "{name} is not set (WeCom needs {names})",
                {"name": missing, "names": ", ".join(needed)},
            )
        if self.wecom_aes_key is not None and len(self.wecom_aes_key.get_secret_value()) != 43:
            raise PydanticCustomError(
                "settings.wecom_aes_key",
                "WECOM_AES_KEY must be the 43 characters of the app's EncodingAESKey",
                {"name": "WECOM_AES_KEY", "length": len(self.wecom_aes_key.get_secret_value())},
            )
        return self

    @model_validator(mode="after")
    def _webhook_secret(self) -> Settings:
        # Without the secret token anyone who finds the webhook's address could post updates as any user
        # (a lead's button press confirms a repayment): webhook mode does not start without it.
        if self.telegram_webhook_url and not (
            self.telegram_webhook_secret and self.telegram_webhook_secret.get_secret_value().strip()
        ):
            raise PydanticCustomError(
                "settings.webhook_secret",
                "TELEGRAM_WEBHOOK_SECRET is not set (webhook mode needs it)",
                {"name": "TELEGRAM_WEBHOOK_SECRET"},
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The campaign's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def start(self) -> date:
        """The first day of the campaign."""
        assert self.campaign_start is not None
        return self.campaign_start

    @property
    def end(self) -> date:
        """The last day of the campaign (the default deadline of every case)."""
        assert self.campaign_end is not None
        return self.campaign_end

    def today(self) -> date:
        """Today in the campaign's time zone."""
        return datetime.now(self.zone).date()


class SettingError(UserError):
    """A bad setting: its name and what is wrong with it, said wholly in the language it is shown in."""

    def __init__(self, name: str, reason_key: str | None, reason: str = "", **params: Any) -> None:
        super().__init__("settings.invalid", name=name)
        self.name = name
        self.reason_key = reason_key
        self.reason = reason  # pydantic's own words, for an error type we have no text for
        self.reason_params = params

    def render(self, language: str = "zh") -> str:
        """The one line naming the setting and saying what it should be."""
        reason = render(self.reason_key, language, **self.reason_params) if self.reason_key else self.reason
        return render("settings.invalid", language, name=self.name, reason=reason)


class _LanguageSetting(BaseSettings):
    """LANGUAGE alone, read where the others are, to speak about the others when they are wrong."""

    model_config = SettingsConfigDict(**Settings.model_config)

    language: str = "zh"


def configured_language(**overrides: object) -> str:
    """The LANGUAGE setting, or Chinese when it is not a language we speak (or cannot be read)."""
    given = {k: v for k, v in overrides.items() if k in ("language", "_env_file")}
    try:
        language = _LanguageSetting(**given).language  # type: ignore[arg-type]
    except ValidationError:
        return "zh"
    return language if language in LANGUAGES else "zh"


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation failure into one line that names the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise setting_error(exc.errors()[0]) from None


# pydantic's error types, as the text saying what the setting should be.
REASONS = {
    "int_parsing": "settings.integer",
    "int_from_float": "settings.integer",
    "int_type": "settings.integer",
    "bool_parsing": "settings.boolean",
    "bool_type": "settings.boolean",
    "time_parsing": "settings.time",
    "time_type": "settings.time",
    "date_parsing": "settings.date",
    "date_type": "settings.date",
    "date_from_datetime_parsing": "settings.date",
    "date_from_datetime_inexact": "settings.date",
    "greater_than_equal": "settings.at_least",
    "greater_than": "settings.above",
    "less_than_equal": "settings.at_most",
    "less_than": "settings.below",
    "literal_error": "settings.choice",
    "decimal_parsing": "settings.amount",
    "decimal_type": "settings.amount",
    "decimal_max_digits": "settings.amount",
    "decimal_max_places": "settings.amount",
    "decimal_whole_digits": "settings.amount",
    "finite_number": "settings.amount",
}
LIMITS = {"greater_than_equal": "ge", "greater_than": "gt", "less_than_equal": "le", "less_than": "lt"}


def setting_error(error: ErrorDetails) -> SettingError:
    """One validation error of the settings, as a SettingError in our own words."""
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    field = str(error["loc"][0]) if error["loc"] else None
    name = field.upper() if field else str(ctx.get("name", "SETTINGS"))
    kind = error["type"]
    if kind.startswith("settings."):  # our own validators name their text
        ctx.pop("name", None)
        return SettingError(name, kind, **ctx)
    key = REASONS.get(kind)
    if key is None or field is None:
        return SettingError(name, None, error["msg"].removeprefix("Value error, "))
    info = Settings.model_fields.get(field)
    secret = info is not None and SecretStr in (info.annotation, *get_args(info.annotation))
    params: dict[str, Any] = {"value": "***" if secret else str(error["input"])}
    if kind in LIMITS:
        params["limit"] = ctx.get(LIMITS[kind])
    if kind == "literal_error":
        choices = get_args(info.annotation) if info is not None else ()
        params["choices"] = " / ".join(str(c) for c in choices) or ctx.get("expected", "")
    return SettingError(name, key, **params)
