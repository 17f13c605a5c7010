"""No secret in any log line, at any level, of any logger (SPEC §8): the masking itself, a whole day on Telegram
and WeCom logged at DEBUG, and `qingshou run` as a real process."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url
from uvicorn.logging import AccessFormatter

from bot.app import build
from bot.logs import FORMAT, QUIET_LIBRARIES, Redaction, Redactor, secrets_of, setup_logging
from bot.serve import Service
from bot.settings import Settings, load_settings
from tests.bot.test_serve import running
from tests.bot.test_telegram import Chat
from tests.bot.test_wecom import WeComChat
from tests.conftest import CAMPAIGN_END, CAMPAIGN_START, NOW, Clock, free_port
from tests.fake_telegram import FakeTelegram
from tests.fake_wecom import AES_KEY, AGENT_ID, CORP_ID, ROBOT_KEY, SECRET, TOKEN, FakeWeCom
from tests.ledger_data import seed
from tests.reminders.test_daily import DAY, GROUP, at, build_ledger

ROOT = Path(__file__).resolve().parents[2]
# A bot token shaped as BotFather gives them: the bot's id (public), a colon, 35 secret characters.
BOT_TOKEN = "7012345678:AAHq3xZ9-kLm2nOp4QrS5tUv6WxY7zA8bC0"
BOT_SECRET = BOT_TOKEN.partition(":")[2]
WEBHOOK_SECRET = "webhook-secret-9f8e7d6c5b4a"
DATABASE_PASSWORD = "db-password-5a4b3c2d1e"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Logging as it was before the test: the record factory, the root's level and handlers, the libraries'."""
    root = logging.getLogger()
    factory, level = logging.getLogRecordFactory(), root.level
    libraries = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    yield
    logging.setLogRecordFactory(factory)
    root.setLevel(level)
    for handler in list(root.handlers):
        if any(isinstance(f, Redaction) for f in handler.filters):
            root.removeHandler(handler)
    for name, library_level in libraries.items():
        logging.getLogger(name).setLevel(library_level)


class Recorder:
    """Every log record made, of every logger (whatever its handlers), formatted as `qingshou run` writes it."""

    def __init__(self) -> None:
        self.records: list[logging.LogRecord] = []
        self.make = logging.getLogRecordFactory()
        logging.setLogRecordFactory(self)

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.make(*args, **kwargs)
        self.records.append(record)
        return record

    def texts(self) -> list[str]:
        """Each record's final text: the formatted message, with its exception and stack when it has them."""
        formatter = logging.Formatter(FORMAT)
        return [formatter.format(record) for record in self.records]


def leaks(texts: list[str], secrets: list[str]) -> list[tuple[str, str]]:
    """The (secret, line) pairs where a secret shows."""
    return [(secret, text) for text in texts for secret in secrets if secret in text]


def full_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "database_url": f"postgresql://qingshou:{DATABASE_PASSWORD}@db.example:5432/ledger",
        "telegram_bot_token": BOT_TOKEN,
        "telegram_webhook_secret": WEBHOOK_SECRET,
        "wecom_corp_id": CORP_ID,
        "wecom_agent_id": AGENT_ID,
        "wecom_secret": SECRET,
        "wecom_token": TOKEN,
        "wecom_aes_key": AES_KEY,
        "wecom_group_webhook_url": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={ROBOT_KEY}",
    }
    return load_settings(**{**values, **overrides})


# -- the masking ----------------------------------------------------------------------------------------


def test_every_configured_secret_is_masked() -> None:
    redactor = Redactor(secrets_of(full_settings()))
    for secret in (
        BOT_TOKEN,
        BOT_SECRET,
        WEBHOOK_SECRET,
        SECRET,
        TOKEN,
        AES_KEY,
        ROBOT_KEY,
        DATABASE_PASSWORD,
    ):
        assert redactor.redact(f"before {secret} after") == "before *** after"
    # The bot's id is public; what follows the colon is not, even alone.
    assert redactor.redact(f"bot 7012345678 said {BOT_SECRET}") == "bot 7012345678 said ***"


@pytest.mark.parametrize(
    ("line", "secret", "kept"),
    [
        (
            'HTTP Request: GET https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=S3cr3tOfAnApp "200"',
            "S3cr3tOfAnApp",
            "/cgi-bin/gettoken?corpid=ww1&corpsecret=***",
        ),
        (
            "POST https://qyapi.weixin.qq.com/cgi-bin/message/send?access_token=AcCeSs-ToKeN_42&debug=1",
            "AcCeSs-ToKeN_42",
            "/cgi-bin/message/send?access_token=***&debug=1",
        ),
        (
            "POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
            "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
            "/cgi-bin/webhook/send?key=***",
        ),
        (
            "HTTP Request: POST https://api.telegram.org/bot987654321:AAF-other_bots_token/sendMessage",
            "AAF-other_bots_token",
            "https://api.telegram.org/bot987654321:***/sendMessage",
        ),
        (
            "Set Bot API File URL: http://127.0.0.1:8081/file/bot987654321:AAF-other_bots_token",
            "AAF-other_bots_token",
            "/file/bot987654321:***",
        ),
        (
            "the token 987654321:AAFabcdefghijklmnopqrstuvwxyz0123456 was rejected",
            "AAFabcdefghijklmnopqrstuvwxyz0123456",
            "the token 987654321:*** was rejected",
        ),
        (
            "connecting to postgresql+psycopg://clerk:hunter2-pw@db.example:5432/ledger",
            "hunter2-pw",
            "postgresql+psycopg://clerk:***@db.example:5432/ledger",
        ),
        (
            "Calling Bot API endpoint `setWebhook` with parameters `{'url': 'https://b.example/telegram/webhook', "
            "'secret_token': 'an-unknown-webhook-secret'}`",
            "an-unknown-webhook-secret",
            "'secret_token': '***'",
        ),
        (
            '{"access_token": "json-held-token", "expires_in": 7200}',
            "json-held-token",
            '"access_token": "***"',
        ),
    ],
)
def test_secrets_nobody_configured_are_masked_by_where_they_stand(line: str, secret: str, kept: str) -> None:
    masked = Redactor().redact(line)
    assert secret not in masked
    assert kept in masked


@pytest.mark.parametrize(
    "line",
    [
        'HTTP Request: POST http://127.0.0.1:8080/wecom/callback?msg_signature=ab12&timestamp=1&nonce=n1 "200 OK"',
        "connect_tcp.started host='127.0.0.1' port=5432 local_address=None timeout=5.0",
        "已报告还款：L001 张三 ¥50,000.00（现金，2026-11-30），李明 报告",
        "the ranking job ran at 18:00:05 for 2026-11-30",
        "serving telegram, wecom on 0.0.0.0:8080",
    ],
)
def test_lines_without_secrets_are_left_as_they_are(line: str) -> None:
    assert Redactor(secrets_of(full_settings())).redact(line) == line


def test_records_are_masked_in_their_arguments_exceptions_and_loggers_of_their_own(
    restore_logging: None,
) -> None:
    output = io.StringIO()
    setup_logging(full_settings(), logging.DEBUG, libraries=logging.DEBUG, stream=output)
    # A library's logger with a handler of its own that does not pass records on (as uvicorn's).
    own = io.StringIO()
    library = logging.getLogger("a_library")
    library.propagate = False
    library_handler = logging.StreamHandler(own)
    library.addHandler(library_handler)
    access = logging.getLogger("a_library.access")
    access_output = io.StringIO()
    access_handler = logging.StreamHandler(access_output)
    access_handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s'))
    access.addHandler(access_handler)
    try:
        log = logging.getLogger("qingshou.test")
        log.info("token %s, %d tries", BOT_TOKEN, 3)
        log.debug("%(url)s", {"url": f"https://api.telegram.org/bot{BOT_TOKEN}/getMe"})
        log.warning("fetching %s", httpx.URL(f"https://q.example/cgi-bin/gettoken?corpsecret={SECRET}"))

        def refused(request: httpx.Request) -> httpx.Response:
            return httpx.Response(500, request=request)

        with httpx.Client(transport=httpx.MockTransport(refused)) as client:
            response = client.post("https://q.example/cgi-bin/message/send?access_token=ToKeN-in-an-error")
            try:
                response.raise_for_status()
            except httpx.HTTPStatusError:
                log.exception("could not send")
        library.error("aes key %s", AES_KEY)
        access.info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/x?access_token={TOKEN}-abc", "1.1", 200
        )
    finally:
        library.removeHandler(library_handler)
        access.removeHandler(access_handler)
        library.propagate = True
    written = output.getvalue() + own.getvalue() + access_output.getvalue()
    assert "HTTP Request: POST https://q.example/cgi-bin/message/send?access_token=***" in written
    assert "httpx.HTTPStatusError: Server error '500 Internal Server Error' for url" in written
    assert "token ***, 3 tries" in written
    assert '127.0.0.1:5000 - "GET /x?access_token=*** HTTP/1.1" 200' in access_output.getvalue()
    secrets = [BOT_SECRET, SECRET, "ToKeN-in-an-error", AES_KEY, TOKEN]
    assert leaks(written.splitlines(), secrets) == []


def test_httpx_and_httpcore_are_quiet_unless_asked(restore_logging: None) -> None:
    output = io.StringIO()
    setup_logging(full_settings(), logging.DEBUG, stream=output)
    with httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200))) as client:
        client.get("https://q.example/healthz")
    logging.getLogger("qingshou.test").debug("ours still shows")
    assert "HTTP Request" not in output.getvalue()
    assert "ours still shows" in output.getvalue()


# -- a whole day, logged at DEBUG -----------------------------------------------------------------------


async def test_a_whole_day_on_telegram_and_wecom_logs_no_secret_at_debug(
    database_url: str, restore_logging: None
) -> None:
    """Bind, free-text reports, confirmations, the morning's to-dos and the evening's ranking and notices,
    on Telegram (polling) and WeCom at once, served as `qingshou run` serves them; every record of every
    logger at DEBUG, libraries included, is searched for every secret."""
    if database_url.startswith("postgresql"):
        # The test server trusts any password: one is given so that its masking is tried too.
        database_url = (
            make_url(database_url).set(password=DATABASE_PASSWORD).render_as_string(hide_password=False)
        )
    clock = Clock(NOW)
    async with FakeTelegram(token=BOT_TOKEN) as tg, FakeWeCom() as wecom:
        settings = load_settings(
            _env_file=None,
            database_url=database_url,
            campaign_start=CAMPAIGN_START,
            campaign_end=CAMPAIGN_END,
            telegram_bot_token=BOT_TOKEN,
            telegram_api_base_url=tg.base_url,
            telegram_group_chat_id=str(GROUP),
            telegram_webhook_secret=WEBHOOK_SECRET,
            **wecom.settings(),
            http_host="127.0.0.1",
            http_port=free_port(),
        )
        output = io.StringIO()
        setup_logging(settings, logging.DEBUG, libraries=logging.DEBUG, stream=output)
        recorder = Recorder()
        app = build(settings, clock=clock)
        app.init_database()
        build_ledger(app, clock, DAY)
        service = Service(app)
        try:
            async with running(service), httpx.AsyncClient(trust_env=False) as client:
                callback = f"http://127.0.0.1:{settings.http_port}/wecom/callback"
                await a_day(clock, service, Chat(tg, app), WeComChat(app, wecom, callback, client))
        finally:
            app.close()
        issued = list(wecom.issued)
    assert len(issued) >= 2  # one token went stale during the day
    secrets = [BOT_TOKEN, BOT_SECRET, WEBHOOK_SECRET, SECRET, TOKEN, AES_KEY, ROBOT_KEY, *issued]
    secrets += [token.partition("-")[2].partition("-")[2] for token in issued]  # the random part alone
    if database_url.startswith("postgresql"):
        secrets.append(DATABASE_PASSWORD)
    texts = recorder.texts()
    # The search means something: the day was logged, requests and all, with its secrets masked.
    assert any("HTTP Request: POST http://127.0.0.1" in text and "/bot***/" in text for text in texts)
    assert any("/cgi-bin/message/send?access_token=***" in text for text in texts)
    assert any("corpsecret=***" in text for text in texts)
    assert any("webhook/send?key=***" in text for text in texts)
    assert leaks(texts, secrets) == []
    assert leaks(output.getvalue().splitlines(), secrets) == []


async def a_day(clock: Clock, service: Service, telegram: Chat, wecom: WeComChat) -> None:
    li_ming, wang_jianguo = 1001, 2001  # on Telegram: an officer of 城关 and his unit's lead
    sun_fang, zhao_dongsheng = "wecom-sunfang", "wecom-zhaodongsheng"  # on WeCom: 东风's officer and lead
    assert (await telegram.say(li_ming, f"/bind {telegram.code('E001')}"))[0].startswith("绑定成功")
    assert (await telegram.say(wang_jianguo, f"绑定 {telegram.code('U001')}"))[0].startswith("绑定成功")
    assert (await wecom.say(sun_fang, f"绑定 {wecom.code('E003')}"))[0].startswith("绑定成功")
    assert (await wecom.say(zhao_dongsheng, f"绑定 {wecom.code('U002')}"))[0].startswith("绑定成功")

    clock.now = at(DAY, 8).replace(minute=30)
    await service.schedule.morning()
    await telegram.tg.wait_for(lambda: any(t.startswith("【每日待办】") for t in telegram.tg.texts(li_ming)))

    clock.now = at(DAY, 10)
    reported = await telegram.say(li_ming, "张三 还款5万 现金")
    assert reported[0].startswith("已报告还款：L001 张三 ¥50,000.00"), reported
    await telegram.say(wang_jianguo, "/pending")
    confirm = next(data for data in telegram.buttons(wang_jianguo) if data.startswith("ok:"))
    assert (await telegram.press(wang_jianguo, confirm))[0].startswith("已确认")

    wecom.wecom.expire_tokens()  # WeCom's token lapses mid-day: a second one is fetched
    reported = await wecom.say(sun_fang, "孙八今天还款1万 现金")
    assert reported[0].startswith("已报告还款：L006 孙八 ¥10,000.00"), reported
    await wecom.settled()
    assert (await wecom.say(zhao_dongsheng, "待确认"))[0].startswith("待确认还款 1 笔")
    assert (await wecom.say(zhao_dongsheng, "1"))[0].startswith("已确认")

    clock.now = at(DAY, 18)
    await service.schedule.evening()
    await wecom.wecom.wait_for(lambda: wecom.wecom.robot)
    await telegram.tg.wait_for(lambda: telegram.tg.sent(GROUP))
    notices = telegram.tg.sent(method="sendDocument") + [s for s in wecom.wecom.sent if s.msgtype == "file"]
    assert notices  # the evening's notices went out too
    await wecom.settled()


async def test_webhook_mode_logs_neither_its_secret_nor_the_token_at_debug(
    tmp_path: Path, restore_logging: None
) -> None:
    """PTB logs setWebhook's parameters, the secret token among them, at DEBUG."""
    async with FakeTelegram(token=BOT_TOKEN) as tg:
        settings = load_settings(
            _env_file=None,
            database_url=f"sqlite:///{tmp_path / 'webhook.db'}",
            campaign_start=CAMPAIGN_START,
            campaign_end=CAMPAIGN_END,
            telegram_bot_token=BOT_TOKEN,
            telegram_api_base_url=tg.base_url,
            telegram_webhook_url="https://bot.example/telegram/webhook",
            telegram_webhook_secret=WEBHOOK_SECRET,
            http_host="127.0.0.1",
            http_port=free_port(),
        )
        output = io.StringIO()
        setup_logging(settings, logging.DEBUG, libraries=logging.DEBUG, stream=output)
        recorder = Recorder()
        app = build(settings)
        app.init_database()
        seed(app)
        service = Service(app)
        try:
            async with running(service), httpx.AsyncClient(trust_env=False) as client:
                await tg.wait_for(lambda: tg.webhook_url)
                answer = await client.post(
                    f"http://127.0.0.1:{settings.http_port}/telegram/webhook",
                    json=tg.message(9999, "/help"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                )
                assert answer.status_code == 200
                assert (await tg.wait_for(lambda: tg.texts(9999)))[0].startswith("清收助手")
        finally:
            app.close()
    texts = recorder.texts()
    assert any("`setWebhook`" in text and "'secret_token': '***'" in text for text in texts)
    secrets = [BOT_TOKEN, BOT_SECRET, WEBHOOK_SECRET]
    assert leaks(texts, secrets) == []
    assert leaks(output.getvalue().splitlines(), secrets) == []


# -- `qingshou run` as a real process ---------------------------------------------------------------------


async def test_qingshou_run_logs_no_bot_token(tmp_path: Path) -> None:
    """The issue's own run: at its default level, httpx logged each call's URL, bot token and all."""
    database_url = f"sqlite:///{tmp_path / 'run.db'}"
    app = build(load_settings(_env_file=None, database_url=database_url))
    app.init_database()
    seed(app)  # not empty: no demo campaign to load first
    app.close()
    async with FakeTelegram(token=BOT_TOKEN) as tg:
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CAMPAIGN_START": CAMPAIGN_START.isoformat(),
            "CAMPAIGN_END": CAMPAIGN_END.isoformat(),
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "TELEGRAM_API_BASE_URL": tg.base_url,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(free_port()),
            "PYTHONPATH": str(ROOT),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await tg.wait_for(lambda: [c for c in tg.calls if c.method == "getUpdates"], timeout=60)
            tg.message(9999, "/help")
            assert (await tg.wait_for(lambda: tg.texts(9999), timeout=30))[0].startswith("清收助手")
        finally:
            process.send_signal(signal.SIGTERM)
            _, errors = await asyncio.wait_for(process.communicate(), 30)
    log = errors.decode()
    assert "serving telegram" in log
    assert BOT_SECRET not in log
