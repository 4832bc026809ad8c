"""``/gift create|status|export|shipped|delivered|cancel`` (managers)."""

from __future__ import annotations

import csv
import io
import logging
import re

import discord
from discord import app_commands

from bot.domain.broadcasts import tally
from bot.domain.jobs import Job
from bot.errors import CreatorbotError
from bot.i18n import language_of, render
from bot.interactions import (
    ManagerGroup,
    lang,
    reply,
    segment_choices,
    services,
)
from bot.notify import send_dm
from bot.progress import job_progress
from bot.services.gifts import DeliveredGift
from bot.services.notifications import Delivery
from bot.translator import text

log = logging.getLogger(__name__)

# Sendcloud's CSV order import, "full address in one field": its six columns, in its order.
EXPORT_COLUMNS = (
    "Customer name",
    "Country code",
    "Postal code",
    "Address",
    "City",
    "Order reference",
)
_MENTION = re.compile(r"<@!?([0-9]{15,20})>|\b([0-9]{15,20})\b")


def job_text(job: Job, language: str) -> str:
    key = "gifts.done" if job.finished else "gifts.progress"
    product = str(job.params.get("product", ""))
    return render(key, language, product=product, t=tally(job.total, job.counts, job.finished))


def delivered_job_text(job: Job, language: str) -> str:
    """The "your gift arrived" DMs of a delivery: how many are out."""
    key = "gifts.told_done" if job.finished else "gifts.telling"
    t = tally(job.total, job.counts, job.finished)
    return render(key, language, product=str(job.params.get("product", "")), t=t)


def _members(text_: str) -> list[int] | None:
    """``all`` → None; otherwise the member ids mentioned (or typed) in the option."""
    if text_.strip().lower() in ("all", "alle"):
        return None
    ids = [int(a or b) for a, b in _MENTION.findall(text_)]
    if not ids:
        raise CreatorbotError("gifts.bad_members")
    return ids


class GiftGroup(
    ManagerGroup,
    name="gift",
    description=text("gift.description"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    """Manager commands for product seeding."""

    @app_commands.command(name="create", description=text("gift.create.description"))
    @app_commands.describe(
        product=text("gift.options.product"),
        variants=text("gift.options.variants"),
        cost=text("gift.options.cost"),
        quantity=text("gift.options.quantity"),
        deadline=text("gift.options.deadline"),
        segment=text("gift.options.segment"),
        content_template=text("gift.options.content_template"),
        content_platform=text("gift.options.content_platform"),
        content_kind=text("gift.options.content_kind"),
        content_days=text("gift.options.content_days"),
        phone_required=text("gift.options.phone_required"),
    )
    @app_commands.choices(
        content_platform=[
            app_commands.Choice(name=p, value=p)
            for p in ("instagram", "tiktok", "youtube", "twitch", "pinterest", "x", "other")
        ],
        content_kind=[
            app_commands.Choice(name=k, value=k)
            for k in ("post", "reel", "story", "video", "carousel", "live", "other")
        ],
    )
    async def create(
        self,
        interaction: discord.Interaction,
        product: app_commands.Range[str, 1, 100],
        variants: app_commands.Range[str, 1, 2000],
        cost: app_commands.Range[str, 1, 20],
        quantity: app_commands.Range[int, 0, 100_000],
        deadline: app_commands.Range[str, 1, 40],
        segment: app_commands.Range[str, 1, 40],
        content_template: app_commands.Range[str, 1, 60] | None = None,
        content_platform: str | None = None,
        content_kind: str | None = None,
        content_days: app_commands.Range[int, 0, 365] | None = None,
        phone_required: bool = False,
    ) -> None:
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        _offer, job = await svc.gifts.create(
            interaction.guild_id,
            interaction.user.id,
            product=product,
            variants=variants,
            cost=cost,
            quantity=quantity,
            deadline=deadline,
            segment=segment,
            content_template=content_template,
            content_platform=content_platform,
            content_kind=content_kind,
            content_days=content_days,
            phone_required=phone_required,
        )
        progress = await job_progress(interaction, job, job_text)
        await reply(interaction, job_text(job, language))
        svc.jobs.start(job, progress)

    @app_commands.command(name="status", description=text("gift.status.description"))
    @app_commands.describe(offer=text("gift.options.offer"))
    async def status(
        self, interaction: discord.Interaction, offer: app_commands.Range[str, 1, 120]
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        found = await svc.gifts.find(interaction.guild_id, offer)
        current = await svc.gifts.status(interaction.guild_id, found.id)
        settings = await svc.settings.get(interaction.guild_id)
        await reply(
            interaction,
            render("gifts.status", lang(interaction), s=current, tz=settings.timezone),
        )

    @app_commands.command(name="export", description=text("gift.export.description"))
    @app_commands.describe(offer=text("gift.options.offer"))
    async def export(
        self, interaction: discord.Interaction, offer: app_commands.Range[str, 1, 120]
    ) -> None:
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        found = await svc.gifts.find(interaction.guild_id, offer)
        if svc.gifts.drafts_in_shopify:
            # With Shopify connected the gifts go to the shop as draft orders instead.
            await interaction.response.defer(ephemeral=True, thinking=True)
            made = await svc.gifts.draft_orders(interaction.guild_id, found.id, interaction.user.id)
            await reply(
                interaction,
                render(
                    "gifts.drafted",
                    language,
                    offer=found,
                    created=made["created"],
                    already=made["already"],
                    failed=made["failed"],
                ),
            )
            return
        rows = await svc.gifts.export(interaction.guild_id, found.id, interaction.user.id)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        # Sendcloud maps a "Phone number" column too; it is there when the offer asked.
        phones = found.phone_required
        writer.writerow([*EXPORT_COLUMNS, *(["Phone number"] if phones else [])])
        for row in rows:
            writer.writerow(
                [
                    row.name,
                    row.country,
                    row.postcode,
                    row.address,
                    row.city,
                    row.reference,
                    *([row.phone or ""] if phones else []),
                ]
            )
        data = io.BytesIO(buffer.getvalue().encode("utf-8"))
        file = discord.File(data, filename=f"gift-{found.id}-sendcloud.csv")
        await reply(
            interaction,
            render("gifts.exported", language, offer=found, n=len(rows)),
            files=[file],
        )

    @app_commands.command(name="shipped", description=text("gift.shipped.description"))
    @app_commands.describe(offer=text("gift.options.offer"), members=text("gift.options.members"))
    async def shipped(
        self,
        interaction: discord.Interaction,
        offer: app_commands.Range[str, 1, 120],
        members: app_commands.Range[str, 1, 2000],
    ) -> None:
        await self._mark(interaction, offer, members, delivered=False)

    @app_commands.command(name="delivered", description=text("gift.delivered.description"))
    @app_commands.describe(offer=text("gift.options.offer"), members=text("gift.options.members"))
    async def delivered(
        self,
        interaction: discord.Interaction,
        offer: app_commands.Range[str, 1, 120],
        members: app_commands.Range[str, 1, 2000],
    ) -> None:
        await self._mark(interaction, offer, members, delivered=True)

    async def _mark(
        self, interaction: discord.Interaction, offer: str, members: str, *, delivered: bool
    ) -> None:
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        found = await svc.gifts.find(interaction.guild_id, offer)
        user_ids = _members(members)
        await interaction.response.defer(ephemeral=True, thinking=True)
        marked = await svc.gifts.mark(
            interaction.guild_id, found.id, interaction.user.id, user_ids, delivered=delivered
        )
        head = render(
            "gifts.marked", language, offer=marked.offer, n=marked.count, delivered=delivered
        )
        if marked.job is None:
            await reply(interaction, head)
            return

        def progress_text(job: Job, language: str) -> str:
            return head + "\n" + delivered_job_text(job, language)

        progress = await job_progress(interaction, marked.job, progress_text)
        await reply(interaction, progress_text(marked.job, language))
        svc.jobs.start(marked.job, progress)

    @app_commands.command(name="cancel", description=text("gift.cancel.description"))
    @app_commands.describe(offer=text("gift.options.offer"))
    async def cancel(
        self, interaction: discord.Interaction, offer: app_commands.Range[str, 1, 120]
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        found = await svc.gifts.find(interaction.guild_id, offer)
        erased = await svc.gifts.cancel(interaction.guild_id, found.id, interaction.user.id)
        await reply(
            interaction, render("gifts.cancelled", lang(interaction), offer=found, n=erased)
        )

    @create.autocomplete("segment")
    async def _segment(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await segment_choices(interaction, current)

    @create.autocomplete("content_template")
    async def _template(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).deliverables.template_names(interaction.guild_id)
        needle = current.strip().lower()
        return [app_commands.Choice(name=n, value=n) for n in names if needle in n.lower()][:25]

    @status.autocomplete("offer")
    @export.autocomplete("offer")
    @shipped.autocomplete("offer")
    @delivered.autocomplete("offer")
    @cancel.autocomplete("offer")
    async def _offer(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        needle = current.strip().lower().lstrip("#")
        offers = await services(interaction).gifts.offers(interaction.guild_id)
        return [
            app_commands.Choice(name=o.label[:100], value=str(o.id))
            for o in offers
            if needle in o.label.lower()
        ][:25]


async def _tell_delivered(client: discord.Client, gift: DeliveredGift) -> Delivery:
    """The creator's "your gift arrived" DM, once, in their language."""
    if gift.notice is None:
        return Delivery.FAILED
    svc = client.services  # type: ignore[attr-defined]
    language = language_of(gift.claim.locale)
    content = render(
        "gifts.delivered_dm",
        language,
        offer=gift.offer,
        content=gift.offer.content,
        due=gift.due,
        tz=gift.timezone,
    )
    user_id = gift.notice.user_id

    async def send() -> None:
        await send_dm(client, user_id, content=content)

    return await svc.gifts.tell_delivered(gift, send)
