"""Every cog loads, and the command tree is valid for Discord."""

from __future__ import annotations

import re

from bot.app import Services
from bot.client import CreatorBot
from bot.i18n import command_strings
from cogs import EXTENSIONS

_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


async def _loaded_bot(services: Services) -> CreatorBot:
    bot = CreatorBot(services, sync_commands=False)
    await bot.setup_hook()
    return bot


async def test_every_cog_loads(services: Services) -> None:
    """All extensions load without error."""
    bot = await _loaded_bot(services)
    try:
        assert set(bot.extensions) == set(EXTENSIONS)
    finally:
        await bot.close()


async def test_command_names_do_not_collide(services: Services) -> None:
    """No two top-level commands share a name, and names fit Discord's rules."""
    bot = await _loaded_bot(services)
    try:
        names = [c.name for c in bot.tree.get_commands()]
        assert len(names) == len(set(names))
        for command in bot.tree.walk_commands():
            assert _NAME.match(command.name), command.name
            assert 1 <= len(command.description) <= 100, command.qualified_name
    finally:
        await bot.close()


async def test_descriptions_come_from_templates(services: Services) -> None:
    """Every command description is a key of commands.toml (so it has a Dutch version)."""
    bot = await _loaded_bot(services)
    english = set(command_strings("en").values())
    try:
        for command in bot.tree.walk_commands():
            assert command.description in english, command.qualified_name
            for parameter in getattr(command, "parameters", []):
                assert parameter.description in english, f"{command.name}.{parameter.name}"
    finally:
        await bot.close()
