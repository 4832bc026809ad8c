"""Exceptions the program raises on purpose.

Every :class:`CreatorbotError` carries a template key and parameters, so the one error
handler of the command tree (and of the web app) can answer the user in their language
without knowing which feature raised it.
"""

from __future__ import annotations

from typing import Any


class CreatorbotError(Exception):
    """Base of all expected errors: something the user did or can fix.

    Attributes:
        key: the template that explains the error, e.g. ``"errors.invalid_setting"``.
        params: values the template shows.
    """

    key = "errors.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(f"{self.key} {params}" if params else self.key)


class ConfigError(CreatorbotError):
    """The process configuration is missing or invalid; ``variable`` names the culprit."""

    key = "errors.config"

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(variable=variable, problem=problem)
        self.variable = variable
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.variable}: {self.problem}"


class InvalidSetting(CreatorbotError):
    """A per-server setting given to ``/setup`` has a bad value.

    Attributes:
        option: the ``/setup`` option name.
        reason: a template key below ``setup.invalid.`` that explains what is expected.
    """

    key = "setup.invalid"

    def __init__(self, option: str, reason: str, **params: Any) -> None:
        super().__init__(option=option, reason=reason, **params)
        self.option = option
        self.reason = reason


class NotACreator(CreatorbotError):
    """The member is not an (active) creator of the program.

    Attributes:
        own: the member asked about themselves (they are pointed to ``/apply``); otherwise a
            manager named someone who is not a creator.
        status: the member's creator status when they have one (e.g. ``paused``).
    """

    key = "errors.not_a_creator"

    def __init__(self, *, own: bool = False, status: str | None = None) -> None:
        super().__init__(own=own, status=status)
        self.own = own
        self.status = status


class MigrationError(Exception):
    """The database schema cannot be brought to the code's version."""
