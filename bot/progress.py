"""A bulk job's progress, shown by editing the manager's reply — also after a restart.

The reply belongs to an interaction whose token stays valid for 15 minutes. When a bulk
feature starts a job it calls :func:`job_progress`, which keeps the application id, the token,
the manager's language and the interaction's time on the job; a run resumed after a restart
gets its report from :func:`resumed_progress`, which edits the same reply through a partial
webhook until the token runs out. Past that, the manager sees progress where the feature
shows it (``/applications`` names a running bulk approval). The job forgets the token when
it finishes; it is never logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import discord

from bot.domain.jobs import Job
from bot.interactions import NO_MENTIONS, lang, services
from bot.services.jobs import REPLY_PARAM, Progress

log = logging.getLogger(__name__)

# How long Discord accepts edits of an interaction's original response.
TOKEN_LIFETIME = dt.timedelta(minutes=15)

# The text of a job's progress (or final count) in a language.
Render = Callable[[Job, str], str]


def _expired(created_at: dt.datetime) -> bool:
    return discord.utils.utcnow() >= created_at + TOKEN_LIFETIME


async def job_progress(interaction: discord.Interaction, job: Job, render: Render) -> Progress:
    """The report that edits this interaction's reply; the job keeps the way back to it."""
    language = lang(interaction)
    reply: dict[str, Any] = {
        "application_id": interaction.application_id,
        "token": interaction.token,
        "language": language,
        "created_at": interaction.created_at.timestamp(),
    }
    await services(interaction).jobs.remember_reply(job.id, reply)

    async def progress(current: Job) -> None:
        if not _expired(interaction.created_at):
            await interaction.edit_original_response(
                content=render(current, language), allowed_mentions=NO_MENTIONS
            )

    return progress


def resumed_progress(client: discord.Client, job: Job, render: Render) -> Progress | None:
    """The report of a job resumed after a restart: edits of the manager's reply while its
    token lasts, then nothing; None when the job kept no reply or it has expired."""
    reply = job.params.get(REPLY_PARAM)
    if not isinstance(reply, dict):
        return None
    created_at = dt.datetime.fromtimestamp(float(reply["created_at"]), tz=dt.UTC)
    if _expired(created_at):
        return None
    webhook = discord.Webhook.partial(int(reply["application_id"]), reply["token"], client=client)
    language = str(reply["language"])

    async def progress(current: Job) -> None:
        if not _expired(created_at):
            await webhook.edit_message(
                "@original",  # type: ignore[arg-type]  # the interaction's own reply
                content=render(current, language),
                allowed_mentions=NO_MENTIONS,
            )

    return progress
