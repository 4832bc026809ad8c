"""Thin Discord glue: parse the interaction, call a service, render, reply."""

EXTENSIONS: tuple[str, ...] = (
    "cogs.setup",
    "cogs.onboarding",
    "cogs.links",
    "cogs.campaigns",
    "cogs.earnings",
    "cogs.conversions",
    "cogs.deliverables",
    "cogs.payouts",
    "cogs.privacy",
    "cogs.summaries",
    "cogs.reports",
    "cogs.roster",
    "cogs.review_queue",
    "cogs.levels",
    "cogs.segments",
    "cogs.broadcasts",
    "cogs.sites",
    "cogs.gifts",
    "cogs.bounties",
)
