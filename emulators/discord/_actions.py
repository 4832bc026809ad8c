"""What a test does as a user: run a slash command, autocomplete, click, select, submit a modal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._driver import InteractionDriver
    from ._interactions import Interaction
    from ._records import Message
    from ._state import Channel, Guild, User

__all__ = ["UserActions"]


class UserActions:
    """The driving half of :class:`~emulators.discord.DiscordEmulator`'s public API."""

    # Set by DiscordEmulator.__init__.
    _driver: InteractionDriver

    if TYPE_CHECKING:

        def user(self, user_id: int | User) -> User: ...

    async def invoke(
        self,
        user_id: int | User,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        guild_id: int | Guild | None = None,
        channel_id: int | Channel | None = None,
        dm: bool = False,
        locale: str | None = None,
        wait: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109 - public API takes a timeout
    ) -> Interaction:
        """Run a slash command as ``user_id`` (``"group sub"`` paths for sub-commands).

        Validates the command and options against what the bot registered and
        raises :class:`EmulatorError` on anything Discord's client would not
        allow (unknown command/option, wrong type, missing required option,
        guild-only command in a DM; with ``enforce_command_permissions`` also
        members lacking ``default_member_permissions``). With ``wait``
        (default) returns after the bot's initial response.
        """
        return await self._driver.invoke(
            self.user(user_id).id,
            command,
            options,
            guild_id=_id_or_none(guild_id),
            channel_id=_id_or_none(channel_id),
            dm=dm,
            locale=locale,
            wait=wait,
            timeout=timeout,
        )

    async def autocomplete(
        self,
        user_id: int | User,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        focused: str,
        guild_id: int | Guild | None = None,
        channel_id: int | Channel | None = None,
        dm: bool = False,
        locale: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - public API takes a timeout
    ) -> list[dict[str, Any]]:
        """Send an autocomplete interaction for option ``focused``; return the bot's choices."""
        return await self._driver.autocomplete(
            self.user(user_id).id,
            command,
            options,
            focused,
            guild_id=_id_or_none(guild_id),
            channel_id=_id_or_none(channel_id),
            dm=dm,
            locale=locale,
            timeout=timeout,
        )

    async def click(
        self,
        message: Message | int,
        label: str | None = None,
        *,
        custom_id: str | None = None,
        user_id: int | User | None = None,
        locale: str | None = None,
        dm: bool | None = None,
        wait: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109 - public API takes a timeout
    ) -> Interaction:
        """Click a button (found by ``label`` or ``custom_id``) on a stored message.

        ``user_id`` defaults to the user of the interaction that produced the
        message. ``dm`` is optional; when given it must match where the message is.
        """
        return await self._driver.click(
            message,
            label=label,
            custom_id=custom_id,
            user_id=None if user_id is None else self.user(user_id).id,
            locale=locale,
            dm=dm,
            wait=wait,
            timeout=timeout,
        )

    async def select(
        self,
        message: Message | int,
        *,
        custom_id: str,
        values: Sequence[Any],
        user_id: int | User | None = None,
        locale: str | None = None,
        dm: bool | None = None,
        wait: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109 - public API takes a timeout
    ) -> Interaction:
        """Choose ``values`` in the select menu ``custom_id`` of a stored message."""
        return await self._driver.select(
            message,
            custom_id=custom_id,
            values=values,
            user_id=None if user_id is None else self.user(user_id).id,
            locale=locale,
            dm=dm,
            wait=wait,
            timeout=timeout,
        )

    async def submit_modal(
        self,
        opened_by: Interaction,
        values: dict[str, Any],
        *,
        user_id: int | User | None = None,
        locale: str | None = None,
        dm: bool | None = None,
        wait: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109 - public API takes a timeout
    ) -> Interaction:
        """Submit the modal the bot opened in ``opened_by`` (values keyed by custom_id or label)."""
        return await self._driver.submit_modal(
            opened_by,
            values,
            user_id=None if user_id is None else self.user(user_id).id,
            locale=locale,
            dm=dm,
            wait=wait,
            timeout=timeout,
        )


def _id_or_none(value: Any) -> int | None:
    return None if value is None else int(getattr(value, "id", value))
