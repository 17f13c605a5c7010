"""The one error type whose text reaches the user."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """An expected failure: its rendered text is shown to the user and nothing is changed."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def render(self, language: str = "zh") -> str:
        """The message in the given language."""
        from core.texts import render

        return render(self.key, language, **self.params)

    def __str__(self) -> str:
        return self.render("en")
