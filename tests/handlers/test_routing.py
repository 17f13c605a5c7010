"""Routing: which feature a command, a keyword or a button reaches, whom it refuses, and what the group hears."""

from __future__ import annotations

import itertools
from types import ModuleType

import pytest

from bot.app import App
from core.import_plan import plan_import
from core.messages import Incoming
from core.records import PersonRecord
from handlers import (
    accountability,
    asset,
    assign,
    bind,
    cases,
    complaint,
    due,
    freetext,
    help,
    lawsuit,
    log,
    pending,
    rank,
    repay,
    report,
    status,
    target,
    undo,
)
from handlers.registry import Choice, Command, Feature, Routes
from handlers.router import FEATURES, ROUTES, Router
from tests.ledger_data import CASES, PEOPLE, UNITS

# SPEC §3: every command, its keyword, and the module that answers it.
COMMANDS: list[tuple[str, str | None, ModuleType]] = [
    ("start", None, help),
    ("help", "帮助", help),
    ("bind", "绑定", bind),
    ("cases", "我的案件", cases),
    ("case", "案件", cases),
    ("log", "联系", log),
    ("repay", "还款", repay),
    ("lawsuit", "诉讼", lawsuit),
    ("asset", "资产", asset),
    ("asset", "抵债", asset),
    ("undo", "撤销", undo),
    ("due", "到期", due),
    ("status", "进度", status),
    ("rank", "排名", rank),
    ("pending", "待确认", pending),
    ("confirm", "确认", pending),
    ("reject", "驳回", pending),
    ("report", "报告", report),
    ("target", "目标", target),
    ("accountability", "问责", accountability),
    ("complaint", "投诉", complaint),
    ("assign", "转办", assign),
]
# Buttons' prefixes, the module that answers them, and whether a press writes (and is answered once only).
CHOICES: list[tuple[str, ModuleType, bool]] = [
    ("case", cases, False),
    ("page", cases, False),
    ("unit", status, False),
    ("logmenu", log, False),
    ("repayhelp", log, False),
    ("quick", log, True),
    ("ok", pending, True),
    ("no", pending, False),
    ("noreason", pending, True),
    ("okall", pending, True),
    ("pendpage", pending, False),
    ("pick", freetext, True),
    ("promise", freetext, True),
    ("stagepick", freetext, True),
    ("assetok", asset, True),
    ("assetno", asset, True),
]


@pytest.mark.parametrize(("name", "keyword", "module"), COMMANDS)
def test_a_command_and_its_keyword_reach_the_module_that_declares_them(
    name: str, keyword: str | None, module: ModuleType
) -> None:
    command = ROUTES.commands[name]
    assert command in module.FEATURE.commands
    assert ROUTES.split(f"/{name} L2023001 5万") == (name, ["L2023001", "5万"])
    if keyword is not None:
        assert ROUTES.split(f"{keyword} L2023001 5万") == (command.name, ["L2023001", "5万"])


def test_every_command_and_keyword_is_in_the_table_and_nothing_else() -> None:
    assert set(ROUTES.commands) == {name for name, _, _ in COMMANDS}
    assert set(ROUTES.keywords) == {keyword for _, keyword, _ in COMMANDS if keyword}


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("/repay@qingshou_bot L2023001 5万", ("repay", ["L2023001", "5万"])),
        ("/HELP", ("help", [])),
        ("/", ("", [])),
        ("案件L2023001", ("case", ["L2023001"])),
        ("绑定ABCD2345", ("bind", ["ABCD2345"])),
        ("我的案件", ("cases", [])),  # not 案件 with the words 我的
        ("案件张三", None),  # a keyword against Chinese is free text, not the keyword
        ("L2023001 还款5万 现金", None),
        ("张三还了两万五", None),
        ("   ", None),
    ],
)
def test_how_a_message_is_split_into_command_and_words(
    text: str, parsed: tuple[str, list[str]] | None
) -> None:
    assert ROUTES.split(text) == parsed


@pytest.mark.parametrize(("prefix", "module", "writes"), CHOICES)
def test_a_button_reaches_the_module_whose_replies_offer_it(
    prefix: str, module: ModuleType, writes: bool
) -> None:
    choice = ROUTES.choices[prefix]
    assert choice in module.FEATURE.choices
    assert choice.writes is writes


def test_every_button_prefix_is_in_the_table() -> None:
    assert set(ROUTES.choices) == {prefix for prefix, _, _ in CHOICES}


def test_only_the_ranking_and_progress_are_answered_in_the_group() -> None:
    assert {name for name, command in ROUTES.commands.items() if command.in_group} == {"rank", "status"}


def test_only_start_help_and_bind_are_open_to_an_unbound_identity() -> None:
    assert {name for name, command in ROUTES.commands.items() if command.unbound} == {"start", "help", "bind"}


def test_writing_commands_are_answered_once_and_only_bind_keeps_a_refused_attempt() -> None:
    writing = {name for name, command in ROUTES.commands.items() if command.writes}
    assert writing == {
        "bind",
        "log",
        "repay",
        "lawsuit",
        "asset",
        "undo",
        "confirm",
        "reject",
        "report",
        "target",
        "accountability",
        "complaint",
        "assign",
    }
    assert {name for name, command in ROUTES.commands.items() if not command.atomic} == {"bind"}


def test_help_lists_to_each_role_what_it_may_do_in_the_registered_order() -> None:
    deciders = (
        "cases",
        "case",
        "log",
        "repay",
        "lawsuit",
        "asset",
        "undo",
        "due",
        "status",
        "rank",
        "pending",
        "confirm",
        "report",
        "complaint",
        "assign",
        "target",
    )
    assert ROUTES.commands_by_role == {
        None: ("bind",),
        "officer": (
            "cases",
            "case",
            "log",
            "repay",
            "lawsuit",
            "asset",
            "undo",
            "due",
            "status",
            "rank",
            "report",
            "complaint",
            "target",
        ),
        "unit_lead": deciders,
        "leader": ("case", "asset", "status", "rank", "pending", "complaint", "target", "accountability"),
        "admin": (*deciders, "accountability"),
    }


def test_every_feature_is_registered_once() -> None:
    assert len(set(map(id, FEATURES))) == len(FEATURES)
    assert {id(f) for f in FEATURES} >= {id(module.FEATURE) for _, _, module in COMMANDS}


def test_two_features_claiming_one_name_keyword_or_prefix_are_refused_at_start_up() -> None:
    def answer(ctx: object, words: object) -> None:
        raise AssertionError("never run")

    first = Feature(commands=(Command("rank", answer, keywords=("排名",)),), choices=(Choice("ok", answer),))
    for second in (
        Feature(commands=(Command("rank", answer),)),
        Feature(commands=(Command("top", answer, aliases=("rank",)),)),
        Feature(commands=(Command("top", answer, keywords=("排名",)),)),
        Feature(choices=(Choice("ok", answer),)),
    ):
        with pytest.raises(ValueError, match="declared twice"):
            Routes([first, second])


# Senders are employee numbers of the small ledger, and this leader's; each message is a new one.
LEADER = "D001"
MESSAGE_IDS = itertools.count(1)


@pytest.fixture
def router(app: App) -> Router:
    """The router over the small ledger with a leader of the task force."""
    people = [*PEOPLE, PersonRecord("刘领导", LEADER, None, "leader", "13800009999")]
    plan, problems = plan_import(app.store.import_snapshot(), UNITS, people, CASES)
    assert problems == []
    app.store.apply_import(plan, actor="test", source="routing")
    return app.router()


def said(router: Router, sender: str, text: str, *, group: bool = False, choice: str | None = None) -> str:
    """The first reply's text to a message from the terminal ('' when nothing is answered)."""
    chat = "group" if group else sender
    incoming = Incoming("console", chat, sender, str(next(MESSAGE_IDS)), text, is_group=group, choice=choice)
    response = router.handle(incoming)
    return response.replies[0].text if response.replies else ""


@pytest.mark.parametrize(
    ("sender", "text", "answer"),
    [
        (LEADER, "联系 L2023001 上门 已联系", "专班领导只能查看，记录请由责任人操作。"),
        (LEADER, "还款 L2023001 1000", "专班领导只能查看，记录请由责任人操作。"),
        (LEADER, "撤销", "专班领导只能查看，记录请由责任人操作。"),
        (LEADER, "我的案件", "专班领导名下没有案件。"),
        (LEADER, "/due", "专班领导名下没有案件。"),
        (LEADER, "确认 L2023001", "只有单位负责人和专班联络员可以确认还款。"),
        (LEADER, "驳回 L2023001 金额不符", "只有单位负责人和专班联络员可以确认还款。"),
        ("E001", "待确认", "只有单位负责人和专班联络员可以确认还款。"),
        ("E001", "确认 周强", "只有单位负责人和专班联络员可以确认还款。"),
        ("E001", "驳回", "只有单位负责人和专班联络员可以确认还款。"),
    ],
)
def test_roles_a_command_turns_away_are_refused_and_nothing_is_recorded(
    router: Router, sender: str, text: str, answer: str
) -> None:
    before = router.store.campaign_summary()
    assert said(router, sender, text).startswith(answer)
    assert router.store.campaign_summary() == before


def test_an_officer_pressing_a_page_of_the_pending_list_is_refused(router: Router) -> None:
    assert said(router, "E001", "", choice="pendpage:1") == "只有单位负责人和专班联络员可以确认还款。"


@pytest.mark.parametrize(
    ("sender", "text", "answer"),
    [
        (LEADER, "待确认", "没有待确认的还款"),
        (LEADER, "案件 L2023001", "【L2023001】张三"),
        (LEADER, "排名", "各单位清收排名"),
        ("U001", "待确认", "没有待确认的还款"),
        ("E001", "我的案件", "未结清案件 1 笔"),
        ("E001", "到期", "未来 7 天"),
    ],
)
def test_roles_a_command_serves_are_answered(router: Router, sender: str, text: str, answer: str) -> None:
    assert said(router, sender, text).startswith(answer)


def test_an_unbound_identity_may_only_ask_for_help_and_bind(router: Router) -> None:
    stranger = Incoming("telegram", "9", "9", "1", "/help")
    assert router.handle(stranger).replies[0].text.startswith("清收助手")
    refused = router.handle(Incoming("telegram", "9", "9", "2", "我的案件")).replies[0].text
    assert refused == router.handle(Incoming("telegram", "9", "9", "3", "L2023001 还款5万")).replies[0].text
    assert "绑定" in refused
    assert "绑定码" in router.handle(Incoming("telegram", "9", "9", "4", "绑定 WRONG123")).replies[0].text


@pytest.mark.parametrize("text", ["排名", "/rank@qingshou_bot", "进度", "/status"])
def test_the_group_hears_the_ranking_and_progress(router: Router, text: str) -> None:
    assert said(router, "U001", text, group=True) != ""


@pytest.mark.parametrize(
    "text", ["帮助", "我的案件", "待确认", "L2023001 还款5万 现金", "今天下雨", "/nonsense", "/"]
)
def test_the_group_leaves_everything_else_alone(router: Router, text: str) -> None:
    assert said(router, "E001", text, group=True) == ""
    assert router.store.repayments("L2023001") == []


def test_help_lists_what_the_sender_may_do(router: Router) -> None:
    officer = said(router, "E001", "帮助")
    assert "我的案件" in officer and "待确认 ——" not in officer
    leader = said(router, LEADER, "/start")
    assert "待确认 ——" in leader and "我的案件" not in leader and "确认 贷款编号" not in leader
    assert "确认 贷款编号" in said(router, "U001", "帮助")
