"""Every cog loads, and the command tree is valid for Discord."""

from __future__ import annotations

import importlib
import pkgutil
import re

import cogs
from bot.client import CreatorBot
from bot.i18n import command_strings
from bot.registry import Services

_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


async def _loaded_bot(services: Services) -> CreatorBot:
    bot = CreatorBot(services, sync_commands=False)
    await bot.setup_hook()
    return bot


def _cog_modules() -> set[str]:
    """Every extension under cogs/: a module or package of its own with a ``setup``."""
    found = set()
    for module in pkgutil.iter_modules(cogs.__path__, prefix="cogs."):
        if module.name.rpartition(".")[2].startswith("_"):
            continue
        if hasattr(importlib.import_module(module.name), "setup"):
            found.add(module.name)
    return found


async def test_every_cog_loads(services: Services) -> None:
    """Every extension found in the cogs package is loaded, without error."""
    discovered = _cog_modules()
    assert len(discovered) >= 11
    bot = await _loaded_bot(services)
    try:
        assert set(bot.extensions) == discovered
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
