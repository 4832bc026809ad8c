"""``/gift create|status|export|shipped|delivered|cancel`` (managers) and the offer DM's
Accept / Decline buttons, the variant menu and the address modal (creators).

The offer DMs go out as a resumable job whose progress edits the manager's reply. Every
button and the variant menu carry their claim in the custom_id, so they work after a
restart. An address the rules refuse is kept in this process's memory only (never logged,
never stored), so the creator can reopen the modal with what they typed.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.broadcasts import LEFT, tally
from bot.domain.gifts import MAX_FIELD, GiftOffer, InvalidAddress
from bot.domain.jobs import ItemResult, ItemState, Job, JobItem, JobKind
from bot.errors import CreatorbotError
from bot.i18n import language_of, render
from bot.interactions import (
    ManagerGroup,
    PersistentButton,
    answer_error,
    lang,
    reply,
    services,
)
from bot.notify import dm_holds, is_member, send_dm
from bot.progress import job_progress, resumed_progress
from bot.services.broadcasts import dm_outcome
from bot.services.gifts import DeliveredGift
from bot.services.jobs import Progress
from bot.services.notifications import Delivery
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)

MODAL_TITLE_LIMIT = 45
# Sendcloud's CSV order import, "full address in one field": its six columns, in its order.
EXPORT_COLUMNS = (
    "Customer name",
    "Country code",
    "Postal code",
    "Address",
    "City",
    "Order reference",
)
ADDRESS_FIELDS = ("name", "street", "postcode", "city", "country")
_MENTION = re.compile(r"<@!?([0-9]{15,20})>|\b([0-9]{15,20})\b")
_MAX_DRAFTS = 1_000

# Addresses a creator typed that the rules refused, by (claim id, user id): kept in memory
# only, so "Edit address" reopens the modal with the values; dropped once accepted.
_drafts: OrderedDict[tuple[int, int], dict[str, str]] = OrderedDict()


def _keep_draft(claim_id: int, user_id: int, values: dict[str, str]) -> None:
    _drafts[(claim_id, user_id)] = values
    _drafts.move_to_end((claim_id, user_id))
    while len(_drafts) > _MAX_DRAFTS:
        _drafts.popitem(last=False)


def _job_text(job: Job, language: str) -> str:
    key = "gifts.done" if job.finished else "gifts.progress"
    product = str(job.params.get("product", ""))
    return render(key, language, product=product, t=tally(job.total, job.counts, job.finished))


def offer_view(claim_id: int, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(GiftButton("accept", claim_id, language))
    view.add_item(GiftButton("decline", claim_id, language))
    return view


_STYLES = {
    "accept": discord.ButtonStyle.success,
    "decline": discord.ButtonStyle.secondary,
    "reopen": discord.ButtonStyle.primary,
}


class GiftButton(
    PersistentButton,
    template=r"cb:gift:(?P<action>accept|decline|reopen):(?P<id>[0-9]{1,19})(?::(?P<v>[0-9]{1,2}))?",
):
    """Accept and Decline under an offer DM, and "Edit address" under a refused address."""

    def __init__(self, action: str, claim_id: int, language: str, variant: int = 0) -> None:
        custom_id = f"cb:gift:{action}:{claim_id}"
        if action == "reopen":
            custom_id += f":{variant}"
        super().__init__(
            discord.ui.Button(
                label=render(f"gifts.button_{action}", language),
                style=_STYLES[action],
                custom_id=custom_id,
            )
        )
        self.action = action
        self.claim_id = claim_id
        self.variant = variant

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> GiftButton:
        return cls(match["action"], int(match["id"]), lang(interaction), int(match["v"] or 0))

    async def press(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        language = lang(interaction)
        user_id = interaction.user.id
        if self.action == "decline":
            offer = await svc.gifts.decline(self.claim_id, user_id)
            await reply(interaction, render("gifts.declined", language, product=offer.product))
            return
        offer, _claim = await svc.gifts.open_claim(self.claim_id, user_id)
        if self.action == "reopen":
            variant = offer.variants[min(self.variant, len(offer.variants) - 1)]
            draft = _drafts.get((self.claim_id, user_id), {})
            await interaction.response.send_modal(
                AddressModal(self.claim_id, variant, language, draft)
            )
            return
        view = discord.ui.View(timeout=None)
        view.add_item(VariantSelect(self.claim_id, offer, language))
        await reply(
            interaction,
            render("gifts.choose_variant", language, product=offer.product),
            view=view,
        )


class VariantSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]],
    template=r"cb:gift:variant:(?P<id>[0-9]{1,19})",
):
    """The variants of an offer; choosing one opens the address modal."""

    def __init__(self, claim_id: int, offer: GiftOffer | None, language: str) -> None:
        options = [
            discord.SelectOption(label=v[:100], value=str(n))
            for n, v in enumerate(offer.variants if offer else ("-",))
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=f"cb:gift:variant:{claim_id}",
                placeholder=render("gifts.variant_placeholder", language),
                options=options,
                min_values=1,
                max_values=1,
            )
        )
        self.claim_id = claim_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VariantSelect:
        return cls(int(match["id"]), None, lang(interaction))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            language = lang(interaction)
            offer, _claim = await services(interaction).gifts.open_claim(
                self.claim_id, interaction.user.id
            )
            index = int(self.item.values[0])
            variant = offer.variants[index]
            draft = _drafts.get((self.claim_id, interaction.user.id), {})
            await interaction.response.send_modal(
                AddressModal(self.claim_id, variant, language, draft, index)
            )
        except Exception as error:
            await answer_error(interaction, error, f"select {self.item.custom_id}")


class AddressModal(discord.ui.Modal):
    """The shipping address: name, street and number, postcode, city, country (ISO code)."""

    def __init__(
        self,
        claim_id: int,
        variant: str,
        language: str,
        values: dict[str, str],
        variant_index: int = 0,
    ) -> None:
        title = render("gifts.modal_title", language, variant=variant)
        super().__init__(
            title=title[:MODAL_TITLE_LIMIT], custom_id=f"cb:gift-address:{claim_id}", timeout=900
        )
        self.claim_id = claim_id
        self.variant = variant
        self.variant_index = variant_index
        self.fields: dict[str, discord.ui.TextInput[AddressModal]] = {}
        for name in ADDRESS_FIELDS:
            field: discord.ui.TextInput[AddressModal] = discord.ui.TextInput(
                label=render(f"gifts.field_{name}", language),
                custom_id=name,
                # One more than allowed, so an over-long value gets our answer, not Discord's.
                max_length=MAX_FIELD + 1 if name != "country" else 40,
                default=values.get(name) or None,
                placeholder=render("gifts.country_placeholder", language)
                if name == "country"
                else None,
            )
            self.fields[name] = field
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        language = lang(interaction)
        values = {name: field.value for name, field in self.fields.items()}
        user_id = interaction.user.id
        try:
            accepted = await services(interaction).gifts.accept(
                self.claim_id, user_id, self.variant, **values
            )
        except InvalidAddress as bad:
            _keep_draft(self.claim_id, user_id, values)
            view = discord.ui.View(timeout=None)
            view.add_item(GiftButton("reopen", self.claim_id, language, self.variant_index))
            await reply(interaction, render(bad.key, language, **bad.params), view=view)
            return
        _drafts.pop((self.claim_id, user_id), None)
        await reply(
            interaction,
            render(
                "gifts.accepted",
                language,
                offer=accepted.offer,
                variant=accepted.claim.variant,
                masked=accepted.masked,
            ),
        )

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await answer_error(interaction, error, f"modal {self.custom_id}")


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
        )
        progress = await job_progress(interaction, job, _job_text)
        await reply(interaction, _job_text(job, language))
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
        rows = await svc.gifts.export(interaction.guild_id, found.id, interaction.user.id)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for row in rows:
            writer.writerow(
                [row.name, row.country, row.postcode, row.address, row.city, row.reference]
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
        closed = 0
        for gift in marked.delivered:
            if await _tell_delivered(interaction.client, gift) is Delivery.UNDELIVERABLE:
                closed += 1
        await reply(
            interaction,
            render(
                "gifts.marked",
                language,
                offer=marked.offer,
                n=marked.count,
                delivered=delivered,
                closed=closed,
            ),
        )

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
        assert interaction.guild_id is not None
        names = await services(interaction).segments.names(interaction.guild_id)
        needle = current.strip().lower()
        matching = [n for n in ["all", *names] if needle in n.lower()]
        return [app_commands.Choice(name=n, value=n) for n in matching[:25]]

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


class GiftsCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(GiftButton, VariantSelect)
        self.bot.services.jobs.register(
            JobKind.GIFT_OFFER, self.send_item, resumed_progress=self._progress
        )

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(GiftButton, VariantSelect)
        await self.bot.services.jobs.unregister(JobKind.GIFT_OFFER)

    def _progress(self, job: Job) -> Progress | None:
        return resumed_progress(self.bot, job, _job_text)

    async def send_item(self, job: Job, item: JobItem) -> ItemResult:
        """One creator of an offer: their DM with Accept / Decline, once."""
        svc = self.bot.services
        recipient = await svc.gifts.recipient(job, item)
        if recipient.skipped is not None:
            return ItemResult(ItemState.SKIPPED, recipient.skipped)
        assert recipient.claim is not None and recipient.notice is not None
        user_id = recipient.notice.user_id
        delivery = recipient.earlier
        if delivery is None or delivery is Delivery.UNFINISHED:
            guild = self.bot.get_guild(job.guild_id)
            language = language_of(recipient.claim.locale)
            settings = await svc.settings.get(job.guild_id)
            content = render(
                "gifts.offer_dm",
                language,
                offer=recipient.offer,
                brand=guild.name if guild else "",
                tz=settings.timezone,
            )
            claim_id = recipient.claim.id

            async def send() -> None:
                await send_dm(
                    self.bot, user_id, content=content, view=offer_view(claim_id, language)
                )

            if delivery is None:
                delivery = await svc.gifts.send(recipient, send)
            else:
                # Claimed by a stopped run but never recorded: sent unless the DM is there.
                marker = f"cb:gift:accept:{claim_id}"
                delivery = await svc.gifts.settle(
                    recipient,
                    send,
                    lambda: dm_holds(
                        self.bot,
                        user_id,
                        lambda m: marker in str([c.to_dict() for c in m.components]),
                    ),
                )
        if delivery is Delivery.UNDELIVERABLE and not await is_member(
            self.bot, job.guild_id, user_id
        ):
            return ItemResult(ItemState.SKIPPED, LEFT)
        return ItemResult(ItemState.DONE, dm_outcome(delivery))


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(GiftsCog(bot))
    bot.tree.add_command(GiftGroup())
