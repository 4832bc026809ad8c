"""Exceptions used by the emulator (public ones and the internal API error)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["ApiError", "EmulatorError", "EmulatorTimeout", "FormErrors", "form_error"]


class EmulatorError(Exception):
    """Raised when a test drives the emulator in a way Discord would not allow.

    Examples: invoking a command that was never synced, passing an unknown
    option, clicking a disabled button or submitting a modal without a
    required value.
    """


class EmulatorTimeout(EmulatorError, TimeoutError):
    """Raised when waiting for something the bot should have done timed out."""


class ApiError(Exception):
    """An error answer of the emulated REST API, in Discord's JSON shape.

    ``violation`` names the kind of limit the bot broke; when set, the
    emulator records the failure in ``emu.violations``.
    """

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
        *,
        violation: str | None = None,
    ) -> None:
        super().__init__(f"{status} (code {code}): {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.violation = violation

    def body(self) -> dict[str, Any]:
        """The JSON body Discord would send for this error."""
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body

    def describe(self) -> str:
        """A one-line human readable description including nested form errors."""
        if not self.errors:
            return self.message
        details = "; ".join(f"{path}: {msg}" for path, msg in flatten_errors(self.errors))
        return f"{self.message} ({details})"


class FormErrors:
    """Collects field errors into Discord's nested ``errors`` structure.

    ``add(("embeds", 0, "title"), "BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length.")``
    produces ``{"embeds": {"0": {"title": {"_errors": [{"code": ..., "message": ...}]}}}}``.
    """

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def __bool__(self) -> bool:
        return bool(self.tree)

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        """Record one error at ``path``."""
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def raise_if_any(self, violation: str = "invalid_form_body") -> None:
        """Raise the 400/50035 ``Invalid Form Body`` error if anything was recorded."""
        if self.tree:
            raise ApiError(400, 50035, "Invalid Form Body", self.tree, violation=violation)


def form_error(
    path: Sequence[str | int],
    code: str,
    message: str,
    *,
    violation: str | None = "invalid_form_body",
) -> ApiError:
    """A 400/50035 ``Invalid Form Body`` error with a single field error at ``path``."""
    errors = FormErrors()
    errors.add(path, code, message)
    return ApiError(400, 50035, "Invalid Form Body", errors.tree, violation=violation)


def flatten_errors(tree: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Flatten a nested Discord ``errors`` dict into ``(dotted.path, message)`` pairs."""
    out: list[tuple[str, str]] = []
    for key, value in tree.items():
        if key == "_errors":
            out.append((prefix or "<root>", " ".join(e.get("message", "") for e in value)))
        elif isinstance(value, dict):
            out.extend(flatten_errors(value, f"{prefix}.{key}" if prefix else key))
    return out
