"""The one error type whose text reaches the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Term:
    """A parameter of a user error that is itself a text (a stage's name): rendered in the reader's language."""

    key: str


class UserError(Exception):
    """An expected failure: its rendered text is shown to the user and nothing is changed."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def render(self, language: str = "zh") -> str:
        """The message in the given language."""
        from core.texts import render

        def shown(value: Any) -> Any:
            if isinstance(value, Term):
                return render(value.key, language)
            if isinstance(value, tuple) and value and all(isinstance(item, Term) for item in value):
                return render("list.separator", language).join(render(item.key, language) for item in value)
            return value

        return render(self.key, language, **{name: shown(value) for name, value in self.params.items()})

    def __str__(self) -> str:
        return self.render("en")
