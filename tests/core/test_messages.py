"""Cutting long replies under a platform's size limit: at line ends, never losing or reordering a character."""

from __future__ import annotations

from core.messages import split_text, utf8_size


def test_a_long_reply_is_cut_at_line_ends_in_characters() -> None:
    lines = [f"{n}. L2023{n:04d} 张三 未收回 ¥12,345.67" for n in range(500)]
    text = "\n".join(lines)
    parts = split_text(text, 4096)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text
    assert all(not p.startswith("\n") and not p.endswith("\n") for p in parts)


def test_a_short_reply_stays_whole_and_an_empty_one_is_one_empty_part() -> None:
    assert split_text("已记录", 4096) == ["已记录"]
    assert split_text("", 4096) == [""]


def test_a_line_longer_than_the_limit_is_cut_between_characters_by_bytes() -> None:
    line = "欠款" * 1500  # 9,000 bytes, no line end
    parts = split_text(f"标题\n{line}", 2048, utf8_size)
    assert parts[0] == "标题"
    assert all(utf8_size(p) <= 2048 for p in parts)
    assert "".join(parts[1:]) == line
