"""User-facing text, one catalogue per language (zh is the default, en the alternative)."""

from __future__ import annotations

from typing import Any

from core.texts import en, zh

CATALOGUES: dict[str, dict[str, str]] = {"zh": zh.TEXTS, "en": en.TEXTS}
LANGUAGES = tuple(CATALOGUES)


def render(key: str, language: str = "zh", **params: Any) -> str:
    """Format the text for `key` in `language`, falling back to Chinese, then to the key itself."""
    catalogue = CATALOGUES.get(language, zh.TEXTS)
    template = catalogue.get(key) or zh.TEXTS.get(key)
    if template is None:
        return key
    return template.format(**params)
