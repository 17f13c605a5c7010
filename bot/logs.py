"""Logging for `qingshou run` and `qingshou jobs run`: one format, libraries' request lines kept quiet, and no
secret in any line of any logger at any level (SPEC §8)."""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any, TextIO
from urllib.parse import parse_qs, quote, quote_plus, unquote, urlsplit

from pydantic import SecretStr

from bot.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"
# httpx logs every request's whole URL at INFO (and httpcore each step at DEBUG): noise at the bot's level.
QUIET_LIBRARIES = ("httpx", "httpcore")

# Secrets nobody configured but that stand where secrets stand: the query parameters of WeCom's API (the access
# token of every call, the app secret of a token fetch, the group robot's key), such names written as key=value
# or as a dict or JSON key (PTB logs setWebhook's secret_token at DEBUG), a Telegram bot token in the Bot API's
# URL (/bot<id>:<token>/, the file URL /file/bot… too) or anywhere, and the password of any URL.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"(?i)([?&](?:access_token|corpsecret|secret|secret_token|key|token|password)=)[^&\s'\"#<>]+"
        ),
        rf"\g<1>{MASK}",
    ),
    (
        re.compile(
            r"(?i)(\b(?:access_token|corpsecret|secret_token|password)['\"]?\s*[:=]\s*['\"]?)[^\s'\"&,;)}]+"
        ),
        rf"\g<1>{MASK}",
    ),
    (re.compile(r"(/bot\d+:)[A-Za-z0-9_-]+"), rf"\g<1>{MASK}"),
    (re.compile(r"\b(\d{3,}:)[A-Za-z0-9_-]{30,}"), rf"\g<1>{MASK}"),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/?#@]*:)[^\s/?#@]+(@)"), rf"\g<1>{MASK}\g<2>"),
)
# Set on a record once masked, so that the filter on our handler does not mask it twice.
MASKED = "qingshou_masked"


def secrets_of(settings: Settings) -> list[str]:
    """Every secret the settings hold, in each form it may take in a log line."""
    found: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr) and name != "wecom_group_webhook_url":
            found.append(value.get_secret_value())
    if settings.telegram_bot_token is not None:
        # The bot's id before the colon is public (every user sees it); the part after it is the secret.
        found.append(settings.telegram_bot_token.get_secret_value().partition(":")[2])
    if settings.wecom_group_webhook_url is not None:
        # The robot's key is the secret: the rest of its URL stays readable (where the posts went).
        url = settings.wecom_group_webhook_url.get_secret_value()
        found.extend(parse_qs(urlsplit(url).query).get("key", []) or [url])
    with contextlib.suppress(ValueError):  # a malformed URL: the database will refuse it anyway
        password = urlsplit(settings.database_url).password
        if password:
            found.extend((password, unquote(password)))
    forms = {form for secret in found for form in (secret, quote(secret, safe=""), quote_plus(secret))}
    return sorted(form for form in forms if form)


class Redactor:
    """Masks secrets in text and in log records: the configured ones, and those known by where they stand."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first: a secret that contains another is masked whole.
        known = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
        self._known = re.compile("|".join(map(re.escape, known))) if known else None

    def redact(self, text: str) -> str:
        """`text` with every secret replaced by ***."""
        if self._known is not None:
            text = self._known.sub(MASK, text)
        for pattern, replacement in PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def scrub(self, record: logging.LogRecord) -> None:
        """Mask a record's secrets: in its message with its arguments, its exception's text and its stack."""
        try:
            message = record.getMessage()
        except Exception:
            # Arguments that do not fit the message: logging would print both raw when it reports that.
            record.msg, record.args = self.redact(f"{record.msg} {record.args!r}"), ()
        else:
            clean = self.redact(message)
            if clean != message:
                record.msg, record.args = self._masked(record, clean)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        setattr(record, MASKED, True)

    def _masked(self, record: logging.LogRecord, clean: str) -> tuple[Any, Any]:
        # Some formatters read the arguments themselves (uvicorn's access lines unpack five of them): they keep
        # their shape when masking each one gives the same line; otherwise the line is kept already formatted.
        if isinstance(record.msg, str) and isinstance(record.args, tuple) and record.args:
            msg = self.redact(record.msg)
            args = tuple(self.redact(arg) if isinstance(arg, str) else arg for arg in record.args)
            with contextlib.suppress(TypeError, ValueError):
                if msg % args == clean:
                    return msg, args
        return clean, ()


class Redaction(logging.Filter):
    """A handler's filter that masks secrets in each record not masked when it was made."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record (it is always logged)."""
        if not getattr(record, MASKED, False):
            self.redactor.scrub(record)
        return True


class MaskingRecordFactory:
    """Makes every log record of every logger with its secrets masked: this also covers the handlers libraries
    install for themselves (uvicorn's do not pass their records on to ours), which a filter on our handler
    would never see."""

    def __init__(self, redactor: Redactor, make: Callable[..., logging.LogRecord]) -> None:
        self.redactor = redactor
        self.make = make

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        """A new record, masked."""
        record = self.make(*args, **kwargs)
        self.redactor.scrub(record)
        return record


def install_redaction(secrets: Iterable[str]) -> Redactor:
    """Mask these secrets, and those known by where they stand, in every log record made from now on."""
    redactor = Redactor(secrets)
    current = logging.getLogRecordFactory()
    make = current.make if isinstance(current, MaskingRecordFactory) else current
    logging.setLogRecordFactory(MaskingRecordFactory(redactor, make))
    return redactor


def setup_logging(
    settings: Settings,
    level: int = logging.INFO,
    *,
    libraries: int = logging.WARNING,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Log at `level` to standard error (or `stream`), httpx and httpcore at `libraries`, with no secret of
    `settings` (nor any access token, bot token or URL password) in any line: what `qingshou run` and
    `qingshou jobs run` install. Called again, it replaces what it installed before."""
    redactor = install_redaction(secrets_of(settings))
    root = logging.getLogger()
    for handler in list(root.handlers):
        if any(isinstance(f, Redaction) for f in handler.filters):
            root.removeHandler(handler)
    output = logging.StreamHandler(stream if stream is not None else sys.stderr)
    output.setFormatter(logging.Formatter(FORMAT))
    output.addFilter(Redaction(redactor))
    root.addHandler(output)
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(libraries)
    return output
