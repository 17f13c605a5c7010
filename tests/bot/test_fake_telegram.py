"""The fake Bot API server works with the real python-telegram-bot: a bare Bot, and a polling Application,
calling the methods the bot calls."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_telegram import SUPERGROUP_CHAT_ID, FakeTelegram, tiny_png

TOKEN = "123456:TEST"
USER = 4242
DOCX = b"PK\x03\x04" + b"\x00" * 60  # a .docx is a zip file


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never route 127.0.0.1 through a proxy from the environment (httpx honours HTTP(S)_PROXY)."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as a timedelta, without a warning


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as fake:
        yield fake


@pytest_asyncio.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=tg.base_url) as b:
        yield b


def _app(tg: FakeTelegram) -> Application:
    return Application.builder().token(TOKEN).base_url(tg.base_url).build()


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def _pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("收到")
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, f"你选了 {query.data}")


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("确认", callback_data="ok:1")]])
    await context.bot.send_message(update.effective_chat.id, f"欢迎 {context.args}", reply_markup=keyboard)


# --- a bare Bot ------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_bot_calls_are_recorded_with_their_params(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.id == 123456 and me.username == tg.bot_username

    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("确认", callback_data="confirm:7"),
                InlineKeyboardButton("取消", callback_data="cancel"),
            ]
        ]
    )
    sent = await bot.send_message(USER, "123", reply_markup=keyboard)
    assert (
        sent.text == "123" and sent.chat.id == USER and sent.from_user is not None and sent.from_user.is_bot
    )
    assert sent.reply_markup == keyboard

    png = tiny_png(3, 2)
    photo = await bot.send_photo(USER, png, caption="图表")
    assert photo.photo[-1].width == 3 and photo.caption == "图表"
    doc = await bot.send_document(USER, DOCX, filename="报告.docx")
    assert doc.document is not None and doc.document.file_name == "报告.docx"
    assert [photo.message_id, doc.message_id] == [sent.message_id + 1, sent.message_id + 2]

    message, photo_call, doc_call = tg.sent(USER)
    assert message.method == "sendMessage" and message["chat_id"] == USER
    assert message["text"] == "123"  # stays a str although the form value looks like JSON
    assert message.callback_data == ["confirm:7", "cancel"]
    assert message.buttons == [[("确认", "confirm:7"), ("取消", "cancel")]]
    assert photo_call["photo_bytes"] == len(png) and photo_call.files["photo"].data.startswith(b"\x89PNG")
    assert doc_call["document_name"] == "报告.docx" and doc_call["document_bytes"] == len(DOCX)
    assert tg.texts(USER) == ["123", "图表"]
    # `async with Bot(...)` (Bot.initialize) already called getMe once
    assert [c.method for c in tg.calls] == ["getMe", "getMe", "sendMessage", "sendPhoto", "sendDocument"]


@pytest.mark.asyncio
async def test_callback_answers_are_not_messages(tg: FakeTelegram, bot: Bot) -> None:
    assert await bot.answer_callback_query("42", text="好")
    assert tg.sent(USER) == []
    assert tg.sent(method="answerCallbackQuery")[0]["text"] == "好"


@pytest.mark.asyncio
async def test_errors_are_those_of_the_bot_api(tg: FakeTelegram, bot: Bot) -> None:
    # PTB maps HTTP 404 to InvalidToken, and do_api_request turns that into EndPointNotFound
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("getNothing", {"chat_id": USER})
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER, " ")
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(USER, "长" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
        await bot.send_message(USER, "hi", reply_markup=markup)
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_photo(USER, tiny_png(), caption="长" * 1025)

    tg.blocked.add(USER)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(USER, "还在吗")
    assert [c.error_code for c in tg.calls if not c.ok] == [404, 400, 400, 400, 400, 403]

    with pytest.raises(InvalidToken, match="rejected"):  # HTTP 401 on the getMe of Bot.initialize()
        async with Bot("999:WRONG", base_url=tg.base_url):
            pass


# --- getUpdates ------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_get_updates_honours_offset_and_long_polls(tg: FakeTelegram, bot: Bot) -> None:
    first = tg.message(USER, "一")
    second = tg.message(USER, "二", message_id=50)
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]
    assert [u.message.message_id for u in updates if u.message] == [1, 50]
    # not confirmed yet: delivered again; then confirmed by the offset
    assert len(await bot.get_updates(timeout=0)) == 2
    assert await bot.get_updates(offset=second["update_id"] + 1, timeout=0) == ()

    started = time.monotonic()
    assert await bot.get_updates(offset=second["update_id"] + 1, timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3

    async def later() -> None:
        await asyncio.sleep(0.2)
        tg.message(USER, "三")

    task = asyncio.create_task(later())
    started = time.monotonic()
    (third,) = await bot.get_updates(offset=second["update_id"] + 1, timeout=10)
    await task
    assert third.message is not None and third.message.text == "三" and third.message.message_id == 51
    assert time.monotonic() - started < 2

    # re-delivery of an already confirmed update, as Telegram does after a crash
    tg.queue(first)
    (again,) = await bot.get_updates(offset=third.update_id + 1, timeout=0)
    assert again.update_id == first["update_id"]


@pytest.mark.asyncio
async def test_a_second_poller_ends_the_first_with_conflict(tg: FakeTelegram, bot: Bot) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    # a second bot instance: one Bot has a single connection for getUpdates
    async with Bot(TOKEN, base_url=tg.base_url) as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await waiting


@pytest.mark.asyncio
async def test_a_user_photo_comes_with_its_sizes_and_caption(tg: FakeTelegram, bot: Bot) -> None:
    tg.message(USER, photo=True, caption="/repay L1 3")
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.caption == "/repay L1 3"
    assert update.message.photo[-1].width == 64 and update.message.photo[-1].file_id


# --- a polling Application -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_application_polls_handles_and_answers(tg: FakeTelegram) -> None:
    application = _app(tg)
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(CallbackQueryHandler(_pressed))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            tg.message(USER, "你好")
            (echo,) = await tg.wait_sent(USER)
            assert echo["text"] == "echo: 你好"
            assert "reply_parameters" not in echo.params  # reply_text() quotes only in groups by default

            tg.message(USER, "/start 甲 乙")
            await tg.wait_sent(USER, count=2)
            assert tg.texts(USER)[-1] == "欢迎 ['甲', '乙']"

            offered = tg.sent(USER)[-1].result["message_id"]
            pressed = tg.callback(USER, "ok:1")  # on the message that has that button
            await tg.wait_sent(USER, count=3)
            assert pressed["callback_query"]["message"]["message_id"] == offered
            answer = tg.sent(method="answerCallbackQuery")[0]
            assert answer["text"] == "收到"
            assert tg.texts(USER) == ["echo: 你好", "欢迎 ['甲', '乙']", "你选了 ok:1"]

            tg.message(USER, "群里", chat_id=SUPERGROUP_CHAT_ID, chat_type="supergroup")
            (group_echo,) = await tg.wait_sent(SUPERGROUP_CHAT_ID)
            assert group_echo["text"] == "echo: 群里"
            assert group_echo.result["chat"]["type"] == "supergroup"
        finally:
            await application.updater.stop()
            await application.stop()
    methods = [c.method for c in tg.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]
    assert methods[-1] == "getUpdates"  # PTB's last call on stop marks the fetched updates as read
    assert tg.calls[-1]["timeout"] == 0
    assert tg.pending == []
    assert all(c.ok for c in tg.calls)


# --- flood limits ----------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_flood_limit_answers_429_retry_after() -> None:
    async with (
        FakeTelegram(TOKEN, rate_per_second=5, group_rate_per_minute=3) as tg,
        Bot(TOKEN, base_url=tg.base_url) as bot,
    ):
        results = await asyncio.gather(
            *(bot.send_message(USER, f"第{i}条") for i in range(10)), return_exceptions=True
        )
        refused = [r for r in results if isinstance(r, RetryAfter)]
        assert len(refused) == 5 and tg.too_many == 5
        assert all(r.retry_after.total_seconds() >= 1 for r in refused)  # type: ignore[union-attr]
        assert len(tg.sent(USER)) == 5  # refused calls are not sent (they are in tg.calls, ok=False)
        assert sum(1 for c in tg.calls if c.error_code == 429) == 5

        tg.clear()
        for i in range(3):
            await bot.send_message(SUPERGROUP_CHAT_ID, f"群{i}")
        with pytest.raises(RetryAfter) as refused_group:
            await bot.send_message(SUPERGROUP_CHAT_ID, "群3")
        assert 55 <= refused_group.value.retry_after.total_seconds() <= 60  # type: ignore[union-attr]
        assert tg.texts(SUPERGROUP_CHAT_ID) == ["群0", "群1", "群2"] and tg.too_many == 1
