"""What happens on Discord after a decision: the role, the DM, the card.

The decision itself is already committed by the service; each step here may fail on its own
(closed DMs, a role above the bot's) and is reported as a note, never as an error.
"""

from __future__ import annotations

import logging

import discord

from bot.app import Services
from bot.domain import notices
from bot.domain.applications import Application
from bot.domain.creators import Creator
from bot.domain.sites import SiteStatus
from bot.i18n import render
from bot.interactions import guild_language
from bot.notify import add_role, dm_holds, remove_role, send_dm
from bot.services.notifications import Delivery
from bot.services.onboarding import Approval, CreatorProfile, Rejection
from cogs.onboarding._card import card_kwargs

log = logging.getLogger(__name__)


def welcome_text(profile: CreatorProfile, public_url: str, code_works: bool | None = None) -> str:
    """The welcome DM. ``code_works``: None when no shop is connected (nothing said), True
    when the code is in every connected shop, False when a shop could not answer yet."""
    creator = profile.creator
    return render(
        "onboarding.welcome",
        creator.locale,
        creator=creator,
        code=profile.code,
        code_works=code_works,
        links=[(link.campaign_name, link.url(public_url)) for link in profile.links],
    )


async def sync_code(
    services: Services, creator: Creator, language: str
) -> tuple[bool | None, list[str]]:
    """The creator's code into every connected shop before the welcome says it works;
    whether it works (None: no shop connected) and notes for the manager."""
    if not services.code_sync.connected:
        return None, []
    done = await services.code_sync.ensure(creator.id)
    notes = [
        render("onboarding.note_code_moved", language, move=move, shop=move.shop.value)
        for move in done.moves
    ]
    if not done.works:
        notes.append(render("onboarding.note_code_pending", language))
    return done.works, notes


async def post_card(
    client: discord.Client,
    services: Services,
    application: Application,
    notes: list[str] | None = None,
) -> bool:
    """Post an application's card in the review channel; False if that failed."""
    settings = await services.settings.get(application.guild_id)
    channel_id = settings.review_channel_id
    if channel_id is None:
        return False
    language = guild_language(client, application.guild_id)
    try:
        channel = client.get_channel(channel_id) or await client.fetch_channel(channel_id)
        message = await channel.send(**card_kwargs(application, language, settings.timezone, notes))  # type: ignore[union-attr]
    except discord.HTTPException as exc:
        log.warning("could not post the card of application %s: %s", application.id, exc.status)
        return False
    await services.onboarding.attach_card(application.id, channel_id, message.id)
    return True


async def update_card(
    client: discord.Client, services: Services, application: Application, notes: list[str]
) -> None:
    """Re-render the card after a change; a deleted (or never posted) card is posted."""
    if application.review_channel_id is None or application.review_message_id is None:
        await post_card(client, services, application, notes)
        return
    settings = await services.settings.get(application.guild_id)
    language = guild_language(client, application.guild_id)
    channel = client.get_partial_messageable(application.review_channel_id)
    message = channel.get_partial_message(application.review_message_id)
    try:
        await message.edit(**card_kwargs(application, language, settings.timezone, notes))
    except discord.NotFound:
        await post_card(client, services, application, notes)
    except discord.HTTPException as exc:
        log.warning("could not update the card of application %s: %s", application.id, exc.status)


async def complete_approval(
    client: discord.Client, services: Services, approval: Approval, *, resumed: bool = False
) -> list[str]:
    """Role, welcome DM and card after an approval; returns notes for the manager.

    ``resumed``: a stopped run claimed the welcome but never recorded it; it is sent only if
    the creator's DMs do not hold it already (so a restart neither loses nor doubles it).
    """
    creator, application = approval.creator, approval.application
    language = guild_language(client, creator.guild_id)
    notes = [render("onboarding.note_approved", language, a=application)]
    notes += await _give_role(client, services, creator, language)
    code_works, code_notes = await sync_code(services, creator, language)
    notes += code_notes
    code = approval.code
    if code_notes:  # a variant after a conflict: the welcome gives the code that works
        assert creator.user_id is not None
        code = (await services.onboarding.profile(creator.guild_id, creator.user_id)).code
    profile = CreatorProfile(creator, code, approval.links)
    text = welcome_text(profile, services.config.public_url, code_works)
    assert creator.user_id is not None
    notice = notices.welcome(creator.guild_id, creator.user_id, creator.id, application.id)

    async def send() -> None:
        await send_dm(client, notice.user_id, content=text)

    if resumed:
        heading = text.split("\n", 1)[0]
        delivery = await services.notifications.settle(
            notice,
            send,
            lambda: dm_holds(client, notice.user_id, lambda m: m.content.startswith(heading)),
        )
    else:
        delivery = await services.notifications.send(notice, send)
    if delivery is Delivery.SENT:
        notes.append(render("onboarding.note_welcome_sent", language))
    else:
        await services.onboarding.set_welcome_pending(creator.id, True)
        notes.append(render("onboarding.note_welcome_pending", language))
    if approval.site is not None and approval.site.status is SiteStatus.PENDING:
        # A rule approved the application: its profile URL waits for a manager like a site
        # added with /sites add.
        from cogs.sites import post_card as post_site_card

        await post_site_card(client, services, approval.site)
    # The card's status line already says who approved; it keeps the other notes.
    await update_card(client, services, application, notes[1:])
    return notes


async def complete_rejection(
    client: discord.Client, services: Services, rejection: Rejection
) -> list[str]:
    """Tell the applicant why, and when they may apply again; update the card."""
    application = rejection.application
    settings = await services.settings.get(application.guild_id)
    language = guild_language(client, application.guild_id)
    text = render(
        "onboarding.rejected_dm",
        application.locale,
        a=application,
        until=rejection.may_reapply_at,
        timezone=settings.timezone,
        server=_server_name(client, application.guild_id),
    )
    notes = [render("onboarding.note_rejected", language, a=application)]
    assert application.user_id is not None
    notice = notices.rejection(
        application.guild_id,
        application.user_id,
        application.id,
        by_rule=application.decided_by_rule is not None,
    )
    notes.append(await _dm_note(client, services, notice, text, language))
    await update_card(client, services, application, notes[1:])
    return notes


async def complete_reopen(
    client: discord.Client, services: Services, application: Application, actor_id: int
) -> list[str]:
    """Tell the applicant their application waits again; the card gets its buttons back."""
    language = guild_language(client, application.guild_id)
    notes = [render("onboarding.note_reopened", language, actor=actor_id)]
    assert application.user_id is not None
    text = render(
        "onboarding.reopened_dm",
        application.locale,
        server=_server_name(client, application.guild_id),
    )
    notice = notices.reopened(application.guild_id, application.user_id, application.id)
    notes.append(await _dm_note(client, services, notice, text, language))
    await update_card(client, services, application, notes)
    return notes


async def complete_info_request(
    client: discord.Client, services: Services, application: Application
) -> list[str]:
    """Send the manager's question to the applicant; update the card."""
    language = guild_language(client, application.guild_id)
    text = render(
        "onboarding.info_dm",
        application.locale,
        a=application,
        server=_server_name(client, application.guild_id),
    )
    notes = [render("onboarding.note_info_requested", language, a=application)]
    assert application.user_id is not None
    notice = notices.info_request(
        application.guild_id, application.user_id, application.id, application.info_question or ""
    )
    notes.append(await _dm_note(client, services, notice, text, language))
    await update_card(client, services, application, notes[1:])
    return notes


async def complete_status_change(
    client: discord.Client, services: Services, creator: Creator
) -> list[str]:
    """The role and the shops' codes follow the status: active creators have the role and
    an active code, paused/removed do not."""
    language = guild_language(client, creator.guild_id)
    settings = await services.settings.get(creator.guild_id)
    notes: list[str] = []
    if services.code_sync.connected:
        done = await services.code_sync.follow_status(creator.id)
        if not done.works:
            notes.append(render("onboarding.note_code_pending", language))
    if settings.creator_role_id is None or creator.user_id is None:
        return notes
    if creator.is_active:
        notes += await _give_role(client, services, creator, language)
    else:
        ok = await remove_role(
            client,
            creator.guild_id,
            creator.user_id,
            settings.creator_role_id,
            "creator " + creator.status,
        )
        notes.append(
            render(
                "onboarding.note_role_removed" if ok else "onboarding.note_role_failed", language
            )
        )
    return notes


async def _give_role(
    client: discord.Client, services: Services, creator: Creator, language: str
) -> list[str]:
    settings = await services.settings.get(creator.guild_id)
    if settings.creator_role_id is None or creator.user_id is None:
        return [render("onboarding.note_no_role", language)]
    ok = await add_role(
        client, creator.guild_id, creator.user_id, settings.creator_role_id, "approved creator"
    )
    return [render("onboarding.note_role_added" if ok else "onboarding.note_role_failed", language)]


async def _dm_note(
    client: discord.Client,
    services: Services,
    notice: notices.Notice,
    text: str,
    language: str,
) -> str:
    delivery = await services.notifications.send(
        notice, lambda: send_dm(client, notice.user_id, content=text)
    )
    key = "onboarding.note_dm_sent" if delivery is Delivery.SENT else "onboarding.note_dm_closed"
    return render(key, language)


def _server_name(client: discord.Client, guild_id: int) -> str:
    guild = client.get_guild(guild_id)
    return guild.name if guild else "Discord"
