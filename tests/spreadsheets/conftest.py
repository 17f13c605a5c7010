"""What the spreadsheet tests share: a second, empty ledger to import an export into."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import App, build
from bot.settings import load_settings
from tests.conftest import CAMPAIGN_END, CAMPAIGN_START, Clock


@pytest.fixture
def empty(tmp_path: Path, clock: Clock) -> Iterator[App]:
    """A second ledger, empty, to import into."""
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'empty.db'}",
        campaign_start=CAMPAIGN_START,
        campaign_end=CAMPAIGN_END,
    )
    built = build(settings, clock=clock)
    built.init_database()
    yield built
    built.close()
