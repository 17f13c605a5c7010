"""The composition root: everything the bot and the CLI need, built once from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.settings import Settings
from core.campaign import Campaign
from handlers.context import BotConfig
from handlers.router import Router
from reminders.config import ScheduleConfig
from store.engine import make_engine
from store.ledger import Store
from store.schema import upgrade

if TYPE_CHECKING:
    from bot.channels.base import RemoteChannel
    from bot.channels.telegram import TelegramChannel
    from bot.channels.wecom import WeComChannel


@dataclass(frozen=True, slots=True)
class Channels:
    """The chat platforms that are configured, each built once: every one answers people through the router
    and is an outlet of the schedule."""

    telegram: TelegramChannel | None = None
    wecom: WeComChannel | None = None

    @property
    def outlets(self) -> list[RemoteChannel]:
        """Every configured platform: what the service serves, and where scheduled messages go."""
        return [channel for channel in (self.telegram, self.wecom) if channel is not None]


@dataclass(slots=True)
class App:
    """The built application: settings, campaign, database engine and store."""

    settings: Settings
    campaign: Campaign
    engine: Engine
    store: Store

    @property
    def language(self) -> str:
        """The language of replies and CLI output."""
        return self.settings.language

    def init_database(self) -> None:
        """Create or upgrade the schema."""
        upgrade(self.engine)

    def router(self) -> Router:
        """The handlers' router, shared by every channel."""
        return Router(
            self.store,
            BotConfig(
                language=self.settings.language,
                reminder_days=self.settings.reminder_days,
                large_loan_amount=self.settings.large_loan_amount,
            ),
        )

    def schedule_config(self) -> ScheduleConfig:
        """What the daily jobs need of the settings."""
        s = self.settings
        return ScheduleConfig(
            language=s.language,
            reminder_time=s.reminder_time,
            reminder_days=s.reminder_days,
            stale_days=s.stale_days,
            ranking_time=s.ranking_time,
            skip_holidays=s.skip_holidays,
            notice_grace_days=s.notice_grace_days,
            notice_every_days=s.notice_every_days,
            inactive_days=s.inactive_days,
            dispatch_days=s.dispatch_days,
            campaign_name=s.campaign_name,
            task_force_contact=s.task_force_contact,
            task_force_phone=s.task_force_phone,
            large_loan_amount=s.large_loan_amount,
        )

    def channels(self) -> Channels:
        """Every configured chat platform: the one place that says which outlets exist."""
        return Channels(self.telegram(), self.wecom())

    def telegram(self) -> TelegramChannel | None:
        """The Telegram channel, when a bot token is configured."""
        if self.settings.telegram_bot_token is None:
            return None
        from bot.channels.telegram import TelegramChannel

        s = self.settings
        return TelegramChannel(
            self.router(),
            self.store,
            s.telegram_bot_token.get_secret_value(),
            s.telegram_api_base_url,
            language=s.language,
            group_chat=s.telegram_group_chat_id,
            webhook_url=s.telegram_webhook_url,
            webhook_secret=s.telegram_webhook_secret.get_secret_value()
            if s.telegram_webhook_secret
            else None,
        )

    def wecom(self) -> WeComChannel | None:
        """The WeCom channel, when its corp id, agent, secret, token and AES key are all configured."""
        s = self.settings
        if not (
            s.wecom_corp_id and s.wecom_agent_id and s.wecom_secret and s.wecom_token and s.wecom_aes_key
        ):
            return None
        from bot.channels.wecom import WeComChannel

        return WeComChannel(
            self.router(),
            self.store,
            s.wecom_corp_id,
            s.wecom_agent_id,
            s.wecom_secret.get_secret_value(),
            s.wecom_token.get_secret_value(),
            s.wecom_aes_key.get_secret_value(),
            s.wecom_api_base_url,
            s.wecom_group_webhook_url.get_secret_value() if s.wecom_group_webhook_url else None,
            language=s.language,
        )

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def build(settings: Settings, clock: Callable[[], datetime] | None = None) -> App:
    """Build the application from its settings (`clock` fixes the time, for tests and replays)."""
    campaign = Campaign(settings.start, settings.end, settings.zone)
    engine = make_engine(settings.database_url)
    return App(settings, campaign, engine, Store(engine, campaign, clock))
