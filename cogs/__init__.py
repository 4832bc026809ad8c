"""Thin Discord glue: parse the interaction, call a service, render, reply."""

EXTENSIONS: tuple[str, ...] = ("cogs.setup",)
