"""Command names and descriptions in Dutch, through discord.py's translator hook."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.i18n import command_strings, command_text, language_of


def text(key: str) -> app_commands.locale_str:
    """A command string by key: English by default, translated at sync time."""
    return app_commands.locale_str(command_text(key), key=key)


class TemplateTranslator(app_commands.Translator):
    """Looks up ``locale_str`` keys in ``templates/{lang}/commands/*.toml``."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        language = language_of(locale)
        if key is None or language == "en":
            return None
        return command_strings(language).get(key)
