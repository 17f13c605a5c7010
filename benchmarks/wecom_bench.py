"""WeCom benchmark: 5,000 encrypted callbacks to the running web server from a second process on 127.0.0.1.

Run: .venv/bin/python benchmarks/wecom_bench.py [--callbacks 5000] [--members 20] [--database URL]

This process serves the bot: the real web server (uvicorn) with the WeCom channel on a city demo ledger
(SQLite in a temporary folder unless --database is given), every officer bound to a WeCom member; each callback
is kept in the database's inbox before it is answered, as `qingshou run` does. A second
process plays WeCom and its members: it builds each callback with wechatpy's WeChatCrypto (the sample corp id,
token and AES key of WeCom's documentation), posts it, and serves the fake WeCom API the bot replies through.
Each member writes its next message once the bot has answered the last one, as people do.

It prints the callbacks' answer times (p50, p99, max), errors, how many answers came inside WeCom's 5-second
deadline, how long each reply took to reach the member through the API, and what the inbox holds at the end
(every callback kept once and handled). Targets: p99 under 200 ms, zero errors, every answer inside the
deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import socket
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEADLINE = 5.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


# -- the second process: WeCom and its members ----------------------------------------------------------


def play_wecom(members: list[tuple[str, list[str]]], count: int, seed: int, pipe: Connection) -> None:
    """Serve the fake WeCom API, then post `count` callbacks as the members write; report the timings."""
    asyncio.run(_play(members, count, seed, pipe))


def next_text(rng: random.Random, loans: list[str]) -> str:
    """What a member writes next: a report, a contact or a promise, or one of the questions."""
    loan = rng.choice(loans)
    roll = rng.random()
    if roll < 0.40:
        return rng.choice(
            (
                f"{loan} 电话 已联系",
                f"{loan} 上门 承诺12月28日前还{rng.randint(1, 9)}00",
                f"{loan} 还款{rng.randint(1, 9)}0 现金",
            )
        )
    if roll < 0.55:
        return "我的案件"
    if roll < 0.75:
        return f"案件 {loan}"
    if roll < 0.90:
        return "进度"
    return "到期"


def signed_callback(crypto: Any, user: str, text: str, msg_id: int) -> tuple[dict[str, str], bytes]:
    """The query and body WeCom would post for a member's text: encrypted and signed with WeChatCrypto."""
    from tests.fake_wecom import AGENT_ID, CORP_ID

    plain = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]>"
        f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]>"
        f"</MsgType><Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId>"
        f"<AgentID>{AGENT_ID}</AgentID></xml>"
    )
    timestamp, nonce = str(int(time.time())), f"n{msg_id % 10_000_000}"
    encrypted = ElementTree.fromstring(crypto.encrypt_message(plain, nonce, timestamp))
    body = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><AgentID><![CDATA[{AGENT_ID}]]>"
        f"</AgentID><Encrypt><![CDATA[{encrypted.findtext('Encrypt')}]]></Encrypt></xml>"
    )
    query = {"msg_signature": str(encrypted.findtext("MsgSignature")), "timestamp": timestamp, "nonce": nonce}
    return query, body.encode()


async def _play(members: list[tuple[str, list[str]]], count: int, seed: int, pipe: Connection) -> None:
    import httpx
    from wechatpy.enterprise.crypto import WeChatCrypto

    from tests.fake_wecom import AES_KEY, CORP_ID, TOKEN, FakeWeCom

    crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
    rng = random.Random(seed)
    async with FakeWeCom() as wecom:
        pipe.send((wecom.base_url, wecom.robot_url))
        callback_url = pipe.recv()
        answers: list[float] = []
        replies: list[float] = []
        errors: list[str] = []
        left = [count]
        message_ids = iter(range(8_000_000_000_000_000_001, 9_000_000_000_000_000_000))

        async def member(user: str, loans: list[str], client: httpx.AsyncClient) -> None:
            while left[0] > 0:
                left[0] -= 1
                msg_id = next(message_ids)
                query, body = signed_callback(crypto, user, next_text(rng, loans), msg_id)
                before = wecom.text_counts[user]
                started = time.perf_counter()
                try:
                    response = await client.post(callback_url, params=query, content=body)
                except httpx.HTTPError as error:
                    errors.append(f"{type(error).__name__}: {error}")
                    continue
                answers.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors.append(f"HTTP {response.status_code}")
                    continue
                try:
                    await wecom.wait_for(lambda u=user, b=before: wecom.text_counts[u] > b, timeout=30)
                except AssertionError:
                    errors.append("no reply within 30 s")
                    continue
                replies.append(time.perf_counter() - started)

        started = time.perf_counter()
        limits = httpx.Limits(max_connections=len(members))
        async with httpx.AsyncClient(trust_env=False, timeout=30, limits=limits) as client:
            await asyncio.gather(*(member(user, loans, client) for user, loans in members))
        elapsed = time.perf_counter() - started
        pipe.send((answers, replies, errors, elapsed))


# -- this process: the bot -------------------------------------------------------------------------------


async def serve_bot(url: str, pipe: Connection, members: int) -> None:
    import uvicorn

    from bot.app import build
    from bot.channels.wecom import WeComChannel
    from bot.settings import load_settings
    from bot.web import build_web_app
    from tests.fake_wecom import AES_KEY, AGENT_ID, CORP_ID, SECRET, TOKEN

    app = build(load_settings(_env_file=None, database_url=url))
    base_url, robot_url = pipe.recv()
    channel = WeComChannel(
        app.router(), app.store, CORP_ID, AGENT_ID, SECRET, TOKEN, AES_KEY, base_url, robot_url
    )
    await channel.start()  # as `qingshou run` does: the inbox's sweeper runs alongside
    web = build_web_app(lambda: {"database": app.store.answers()}, wecom=channel)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(web, log_level="warning", lifespan="off", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    pipe.send(f"http://127.0.0.1:{sock.getsockname()[1]}/wecom/callback")
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(None, pipe.recv)
    server.should_exit = True
    await task
    await channel.close()
    kept = inbox_outcomes(app)
    app.close()
    report(result, members)
    print("  inbox: " + ", ".join(f"{count:,} {outcome}" for outcome, count in kept))


def inbox_outcomes(app: Any) -> list[tuple[str, int]]:
    """How many kept callbacks ended each way (`waiting` for those not handled)."""
    from sqlalchemy import func, select

    from store.models import InboxMessage

    with app.engine.connect() as connection:
        rows = connection.execute(
            select(InboxMessage.outcome, func.count())
            .group_by(InboxMessage.outcome)
            .order_by(InboxMessage.outcome)
        ).all()
    return [(outcome or "waiting", int(count)) for outcome, count in rows]


def prepare(url: str, members: int) -> list[tuple[str, list[str]]]:
    """A city demo with `members` officers bound to WeCom members; their user ids and open loans."""
    from sqlalchemy import select

    from bot.app import build
    from bot.demo import load_demo
    from bot.settings import load_settings
    from store.models import Case, Person

    app = build(load_settings(_env_file=None, database_url=url))
    app.init_database()
    if app.store.is_empty():
        load_demo(app.store, "city")
    codes = [line for line in app.store.bind_codes() if line.role == "officer"][:members]
    users = [f"member{number:03d}" for number in range(len(codes))]
    for user, line in zip(users, codes, strict=True):
        app.store.bind("wecom", user, line.code)
    chosen: list[tuple[str, list[str]]] = []
    with app.engine.connect() as connection:
        for user, line in zip(users, codes, strict=True):
            loans = list(
                connection.scalars(
                    select(Case.loan_no)
                    .join(Person, Person.id == Case.officer_id)
                    .where(Person.employee_no == line.employee_no, Case.status != "settled")
                    .limit(30)
                )
            )
            chosen.append((user, loans))
    app.close()
    return chosen


def report(result: tuple[list[float], list[float], list[str], float], members: int) -> None:
    answers, replies, errors, elapsed = result
    ms = 1000
    print(
        f"{len(answers):,} callbacks from {members} members in {elapsed:.1f} s ({len(answers) / elapsed:.0f}/s)"
    )
    print(
        f"  callback answered: p50 {statistics.median(answers) * ms:.1f} ms, p99 {percentile(answers, 0.99) * ms:.1f} ms, "
        f"max {max(answers) * ms:.1f} ms; inside the {DEADLINE:.0f} s deadline: "
        f"{sum(1 for a in answers if a < DEADLINE):,}/{len(answers):,}"
    )
    if replies:
        print(
            f"  reply received through the API: p50 {statistics.median(replies) * ms:.1f} ms, "
            f"p99 {percentile(replies, 0.99) * ms:.1f} ms, max {max(replies) * ms:.1f} ms; inside 5 s: "
            f"{sum(1 for r in replies if r < DEADLINE):,}/{len(replies):,}"
        )
    print(f"  errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callbacks", type=int, default=5_000)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--database", help="a database URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp(prefix='wecom-bench-')) / 'wecom.db'}"
    members = prepare(url, args.members)
    ours, theirs = multiprocessing.Pipe()
    wecom = multiprocessing.get_context("spawn").Process(
        target=play_wecom, args=(members, args.callbacks, 7, theirs)
    )
    wecom.start()
    try:
        asyncio.run(serve_bot(url, ours, args.members))
    finally:
        wecom.join(30)


if __name__ == "__main__":
    main()
