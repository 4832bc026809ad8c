"""Use case: product seeding (``/gift create|status|export|shipped|delivered|cancel``).

``create`` checks the options, resolves the segment, and writes the offer, one claim per
creator (state ``offered``) and the job that DMs them, in one transaction. Each job item is
one creator's offer DM, sent through :meth:`NotificationService.send` under a dedupe key per
offer and creator, so a restart never sends anyone the offer twice.

A creator's Accept takes one unit of the stock with one conditional ``UPDATE`` and records
the variant, the address and the gift's cost in the same transaction: when the stock is
gone the whole answer is rolled back and the creator is told so. The address is kept only
for an accepted gift, never logged, shown back masked, and erased by :meth:`erase_expired`
``gift_address_retention_days`` after delivery (or at once when the offer is cancelled).
Delivery plans the expected deliverables with their due time counted from that moment.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from babel.numbers import get_currency_precision

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.connection import Database
from bot.db.creators_repo import CreatorRepository
from bot.db.deliverables_repo import DeliverableRepository
from bot.db.gifts_repo import GiftRepository
from bot.db.jobs_repo import JobRepository
from bot.domain import notices
from bot.domain.applications import Platform
from bot.domain.broadcasts import INACTIVE
from bot.domain.commission import InvalidPlan, parse_money
from bot.domain.deliverables import Kind, parse_due, spread_due_times
from bot.domain.gifts import (
    TAKEN,
    ClaimState,
    ExpectedContent,
    GiftClaim,
    GiftOffer,
    InvalidOffer,
    OfferState,
    OfferStatus,
    SeedingResults,
    check_address,
    check_product,
    check_quantity,
    mask,
    parse_variants,
)
from bot.domain.jobs import Job, JobItem, JobKind
from bot.domain.tiers import BENCHMARK_BP, Tier
from bot.errors import CreatorbotError
from bot.services.jobs import JobService
from bot.services.notifications import Delivery, NotificationService, Sender
from bot.services.segments import SegmentService
from bot.services.settings import SettingsService
from bot.shops._errors import ShopUnavailable
from bot.shops.shopify import GiftDraft, ShopifyAdmin

log = logging.getLogger(__name__)

MAX_CONTENT_DAYS = 365


class OfferNotFound(CreatorbotError):
    key = "gifts.not_found"


class EmptySegment(CreatorbotError):
    """Nobody in the segment: no offer is stored or sent."""

    key = "gifts.empty"


class GiftNotYours(CreatorbotError):
    """A button of an offer DM pressed by someone else than its creator."""

    key = "gifts.not_yours"


class AlreadyAnswered(CreatorbotError):
    """Accept or Decline on an offer the creator answered before."""

    key = "gifts.already_answered"

    def __init__(self, state: ClaimState) -> None:
        super().__init__(state=state.value)


class OfferClosed(CreatorbotError):
    """The offer was cancelled or its deadline passed."""

    key = "gifts.closed"


class SoldOut(CreatorbotError):
    """Every unit of the offer is taken: the acceptance is refused and nothing stored."""

    key = "gifts.gone"


class UnknownVariant(CreatorbotError):
    key = "gifts.unknown_variant"


class NothingToMark(CreatorbotError):
    """``/gift shipped|delivered`` matched no creator whose gift can move that way."""

    key = "gifts.nothing_to_mark"


@dataclass(frozen=True)
class OfferRecipient:
    """One creator's item of an offer job: their claim and notice, or why nothing is sent."""

    offer: GiftOffer
    claim: GiftClaim | None = None
    notice: notices.Notice | None = None
    skipped: str | None = None
    earlier: Delivery | None = None

    @property
    def language(self) -> str:
        return self.claim.locale if self.claim else "en"


@dataclass(frozen=True)
class Accepted:
    """A creator's acceptance as stored; ``masked`` is the only form the address is shown in."""

    offer: GiftOffer
    claim: GiftClaim
    masked: str


@dataclass(frozen=True)
class DeliveredGift:
    """A gift just marked delivered: the notice to send and the deliverables now due."""

    offer: GiftOffer
    claim: GiftClaim
    notice: notices.Notice | None
    due: tuple[datetime, ...]
    timezone: str


@dataclass(frozen=True)
class Marked:
    """What ``/gift shipped|delivered`` changed."""

    offer: GiftOffer
    count: int
    delivered: tuple[DeliveredGift, ...] = ()
    job: Job | None = None  # the "your gift arrived" DMs, when gifts were delivered


@dataclass(frozen=True)
class ExportRow:
    """One accepted gift in the shipping export (Sendcloud's CSV import columns)."""

    name: str
    country: str
    postcode: str
    address: str
    city: str
    reference: str
    phone: str | None = None


class GiftService:
    def __init__(
        self,
        db: Database,
        repo: GiftRepository,
        job_repo: JobRepository,
        jobs: JobService,
        segments: SegmentService,
        creators: CreatorRepository,
        deliverables: DeliverableRepository,
        notifications: NotificationService,
        settings: SettingsService,
        audit: AuditRepository,
        clock: Clock,
        shopify: ShopifyAdmin | None = None,
    ) -> None:
        self._shopify = shopify
        self._db = db
        self._repo = repo
        self._job_repo = job_repo
        self._jobs = jobs
        self._segments = segments
        self._creators = creators
        self._deliverables = deliverables
        self._notifications = notifications
        self._settings = settings
        self._audit = audit
        self._clock = clock

    # --- the offer ------------------------------------------------------------------------

    async def create(
        self,
        guild_id: int,
        actor_id: int,
        *,
        product: str,
        variants: str,
        cost: str,
        quantity: int,
        deadline: str,
        segment: str,
        content_template: str | None = None,
        content_platform: str | None = None,
        content_kind: str | None = None,
        content_days: int | None = None,
        phone_required: bool = False,
    ) -> tuple[GiftOffer, Job]:
        """Check the offer, then store it with one claim per creator of the segment and the
        job that DMs them. Any bad option raises with the reason and stores nothing."""
        settings = await self._settings.get(guild_id)
        now = self._clock.now()
        name = check_product(product)
        choices = parse_variants(variants)
        try:
            cost_minor = parse_money(cost, settings.currency)
        except InvalidPlan:
            raise InvalidOffer("cost", value=str(cost)[:40]) from None
        check_quantity(quantity)
        deadline_at = parse_due(deadline, settings.timezone, now)
        content = await self._content(
            guild_id, content_template, content_platform, content_kind, content_days
        )
        segment = " ".join(segment.split()) or "all"
        recipients = await self._segments.resolve(guild_id, segment)
        if not recipients:
            raise EmptySegment(segment=segment)
        stamp = to_epoch(now)
        async with self._db.transaction() as tx:
            job_id = await self._job_repo.insert(
                tx,
                guild_id=guild_id,
                kind=JobKind.GIFT_OFFER,
                created_by=actor_id,
                params={"product": name},
                subject_ids=recipients,
                now=stamp,
            )
            offer_id = await self._repo.insert_offer(
                tx,
                guild_id=guild_id,
                product=name,
                variants=choices,
                cost_minor=cost_minor,
                currency=settings.currency,
                quantity=quantity,
                deadline_at=to_epoch(deadline_at),
                segment=segment,
                content=content,
                recipients=len(recipients),
                job_id=job_id,
                actor_id=actor_id,
                now=stamp,
                phone_required=phone_required,
            )
            await self._repo.insert_claims(tx, offer_id, recipients, stamp)
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="gift.create",
                subject=f"gift_offer:{offer_id}",
                detail={
                    "segment": segment,
                    "recipients": len(recipients),
                    "quantity": quantity,
                    "cost_minor": cost_minor,
                    "job_id": job_id,
                },
                now=stamp,
            )
            offer = await self._repo.offer(tx, offer_id)
        assert offer is not None
        log.info("gift offer %s: offering to %s creators", offer.id, len(recipients))
        return offer, await self._jobs.get(job_id)

    async def _content(
        self,
        guild_id: int,
        template: str | None,
        platform: str | None,
        kind: str | None,
        days: int | None,
    ) -> ExpectedContent | None:
        if template:
            shape = await self._deliverables.template(self._db, guild_id, template.strip())
            if shape is None:
                raise CreatorbotError("deliverables.no_template", name=template[:60])
            return ExpectedContent(shape.platform, shape.kind, shape.days, shape.count)
        if platform is None and kind is None and days is None:
            return None
        if platform is None or kind is None or days is None:
            raise InvalidOffer("content")
        if not 1 <= days <= MAX_CONTENT_DAYS:
            raise InvalidOffer("content_days", limit=MAX_CONTENT_DAYS)
        return ExpectedContent(Platform(platform).value, Kind(kind).value, days)

    async def get(self, guild_id: int, offer_id: int) -> GiftOffer:
        offer = await self._repo.offer(self._db, offer_id)
        if offer is None or offer.guild_id != guild_id:
            raise OfferNotFound()
        return offer

    async def offers(self, guild_id: int) -> list[GiftOffer]:
        """The server's offers, newest first (autocomplete)."""
        return await self._repo.offers(self._db, guild_id)

    async def find(self, guild_id: int, text: str) -> GiftOffer:
        """The offer an option names: its id (what autocomplete fills in), ``#id`` or its
        product name (the newest offer of that name)."""
        value = text.strip().lstrip("#").split(" ", 1)[0]
        if value.isdigit():
            return await self.get(guild_id, int(value))
        for offer in await self.offers(guild_id):
            if offer.product.lower() == text.strip().lower():
                return offer
        raise OfferNotFound()

    async def cancel(self, guild_id: int, offer_id: int, actor_id: int) -> int:
        """Close the offer: no more acceptances; every address it holds is erased and the
        cost of gifts not shipped yet dropped. Returns how many addresses were erased."""
        offer = await self.get(guild_id, offer_id)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            if not await self._repo.cancel_offer(tx, offer.id, now):
                raise OfferClosed()
            erased = await self._repo.erase_offer_addresses(tx, offer.id, now)
            dropped = await self._repo.drop_unshipped_costs(tx, offer.id)
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="gift.cancel",
                subject=f"gift_offer:{offer.id}",
                detail={"addresses_erased": erased, "costs_dropped": dropped},
                now=now,
            )
        return erased

    # --- the offer DMs (the job) ----------------------------------------------------------

    async def of_job(self, job: Job) -> GiftOffer:
        offer = await self._repo.offer_of_job(self._db, job.id)
        if offer is None:
            raise OfferNotFound()
        return offer

    async def recipient(self, job: Job, item: JobItem) -> OfferRecipient:
        """One creator's item: the claim and notice to send, or why not."""
        offer = await self.of_job(job)
        claim = await self._repo.claim_of(self._db, offer.id, item.subject_id)
        creator = await self._creators.get(self._db, item.subject_id)
        if (
            claim is None
            or creator is None
            or not creator.is_active
            or creator.user_id is None
            or offer.state is not OfferState.OPEN
        ):
            return OfferRecipient(offer, claim, skipped=INACTIVE)
        notice = notices.gift_offer(offer.guild_id, creator.user_id, offer.id, creator.id)
        # An interrupted item may have been sent already: what became of it decides.
        earlier = await self._notifications.status(notice) if item.interrupted else None
        return OfferRecipient(offer, claim, notice, earlier=earlier)

    # --- the creator's answer -------------------------------------------------------------

    async def open_claim(self, claim_id: int, user_id: int) -> tuple[GiftOffer, GiftClaim]:
        """The claim behind an Accept press, if it can still be accepted (its creator's, not
        answered, the offer open, a unit left)."""
        claim = await self._repo.claim(self._db, claim_id)
        if claim is None:
            raise OfferNotFound()
        if claim.user_id != user_id:
            raise GiftNotYours()
        offer = await self._repo.offer(self._db, claim.offer_id)
        assert offer is not None
        if claim.state is not ClaimState.OFFERED:
            raise AlreadyAnswered(claim.state)
        if offer.state is not OfferState.OPEN or offer.deadline_at <= self._clock.now():
            raise OfferClosed()
        if offer.left <= 0:
            raise SoldOut()
        return offer, claim

    async def accept(
        self,
        claim_id: int,
        user_id: int,
        variant: str,
        *,
        name: str,
        street: str,
        postcode: str,
        city: str,
        country: str,
        phone: str | None = None,
    ) -> Accepted:
        """Accept with a variant and a shipping address, exactly once and within the stock.

        :class:`InvalidAddress` (nothing stored) names the bad fields; :class:`SoldOut` when
        the last unit went to someone else first; :class:`AlreadyAnswered` on a second try.
        """
        offer, claim = await self.open_claim(claim_id, user_id)
        if variant not in offer.variants:
            raise UnknownVariant()
        address = check_address(
            name=name,
            street=street,
            postcode=postcode,
            city=city,
            country=country,
            phone=phone,
            phone_required=offer.phone_required,
        )
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            fresh = await self._repo.claim(tx, claim.id)
            if fresh is None or fresh.state is not ClaimState.OFFERED:
                raise AlreadyAnswered(fresh.state if fresh else ClaimState.DECLINED)
            if not await self._repo.take_unit(tx, offer.id, now):
                current = await self._repo.offer(tx, offer.id)
                if current is not None and current.left > 0:
                    raise OfferClosed()
                raise SoldOut()
            await self._repo.accept(tx, claim.id, variant, address, now)
            await self._repo.insert_cost(
                tx,
                claim.id,
                guild_id=offer.guild_id,
                creator_id=claim.creator_id,
                description=f"{offer.product} ({variant})"[:200],
                cost_minor=offer.cost_minor,
                currency=offer.currency,
                now=now,
            )
            await self._audit.record(
                tx,
                guild_id=offer.guild_id,
                actor_id=user_id,
                action="gift.accept",
                subject=f"gift_claim:{claim.id}",
                detail={"offer_id": offer.id, "variant": variant},
                now=now,
            )
            stored = await self._repo.claim(tx, claim.id)
        assert stored is not None
        return Accepted(offer, stored, mask(address))

    async def decline(self, claim_id: int, user_id: int) -> GiftOffer:
        """Decline the offer (no reason needed), exactly once."""
        claim = await self._repo.claim(self._db, claim_id)
        if claim is None:
            raise OfferNotFound()
        if claim.user_id != user_id:
            raise GiftNotYours()
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            if not await self._repo.decline(tx, claim.id, now):
                fresh = await self._repo.claim(tx, claim.id)
                raise AlreadyAnswered(fresh.state if fresh else claim.state)
            await self._audit.record(
                tx,
                guild_id=claim.guild_id,
                actor_id=user_id,
                action="gift.decline",
                subject=f"gift_claim:{claim.id}",
                detail={"offer_id": claim.offer_id},
                now=now,
            )
        offer = await self._repo.offer(self._db, claim.offer_id)
        assert offer is not None
        return offer

    # --- the manager's view ---------------------------------------------------------------

    async def status(self, guild_id: int, offer_id: int) -> OfferStatus:
        """Offered, accepted per variant, declined, no answer, shipped and delivered."""
        offer = await self.get(guild_id, offer_id)
        claims = await self._repo.claims(self._db, offer.id)

        def count(*states: ClaimState) -> int:
            return sum(1 for c in claims if c.state in states)

        per_variant = tuple(
            (v, sum(1 for c in claims if c.state in TAKEN and c.variant == v))
            for v in offer.variants
        )
        return OfferStatus(
            offer=offer,
            offered=len(claims),
            declined=count(ClaimState.DECLINED),
            no_answer=count(ClaimState.OFFERED),
            accepted=count(*TAKEN),
            shipped=count(ClaimState.SHIPPED, ClaimState.DELIVERED),
            delivered=count(ClaimState.DELIVERED),
            per_variant=per_variant,
            results=await self._results(offer, count(*TAKEN)),
        )

    async def seeding(
        self, guild_id: int, since: datetime | None, until: datetime
    ) -> list[OfferStatus]:
        """``/report``: each offer made in ``[since, until)`` (``since`` None: all time) with
        its seeding results, newest first (the 100 newest offers are looked at)."""
        return [
            await self.status(guild_id, offer.id)
            for offer in await self.offers(guild_id)
            if (since is None or since <= offer.created_at) and offer.created_at < until
        ]

    async def _results(self, offer: GiftOffer, taken: int) -> SeedingResults:
        """The seeding test's cost against the content and the sales it brought."""
        pieces = offer.content.count if offer.content is not None else 0
        content, tiers, (orders, revenue) = await self._repo.results(
            self._db, offer.id, offer.currency, max(pieces, 1)
        )
        reach = sum(r for r, _ in tiers.values())
        expected = sum(r * BENCHMARK_BP[Tier(tier)] for tier, (r, _) in tiers.items()) // 10_000
        return SeedingResults(
            cost_minor=taken * offer.cost_minor,
            content_planned=content["planned"] if pieces else 0,
            content_on_time=content["on_time"] if pieces else 0,
            content_late=content["late"] if pieces else 0,
            reach=reach if pieces else 0,
            interactions=sum(i for _, i in tiers.values()) if pieces else 0,
            expected_interactions=expected if pieces else 0,
            orders=orders,
            revenue_minor=revenue,
        )

    async def export(self, guild_id: int, offer_id: int, actor_id: int) -> list[ExportRow]:
        """The accepted gifts still holding an address, for the shipping CSV (audited: who
        took the addresses, never the addresses)."""
        offer = await self.get(guild_id, offer_id)
        rows = [
            ExportRow(
                name=c.address.name,
                country=c.address.country,
                postcode=c.address.postcode,
                address=c.address.street,
                city=c.address.city,
                reference=f"GIFT{offer.id}-{c.id} {c.variant}",
                phone=c.address.phone,
            )
            for c in await self._repo.claims(self._db, offer.id)
            if c.address is not None and c.state in TAKEN
        ]
        async with self._db.transaction() as tx:
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="gift.export",
                subject=f"gift_offer:{offer.id}",
                detail={"rows": len(rows)},
                now=to_epoch(self._clock.now()),
            )
        return rows

    @property
    def drafts_in_shopify(self) -> bool:
        """Whether accepted gifts become Shopify draft orders (a store is connected)."""
        return self._shopify is not None

    async def draft_orders(self, guild_id: int, offer_id: int, actor_id: int) -> Counter[str]:
        """One Shopify draft order per accepted gift that has none yet: the variant as a line
        at the unit cost, 100 % off, tagged ``creator-gift`` and with the gift's own key, and
        the creator's address as the shipping address. A draft made before a crash is found
        by its key, so none is made twice; a gift the store cannot take now is counted as
        failed and tried again next time. Returns created / already / failed."""
        assert self._shopify is not None
        offer = await self.get(guild_id, offer_id)
        digits = get_currency_precision(offer.currency)
        price = f"{Decimal(offer.cost_minor).scaleb(-digits):.{digits}f}"
        outcome: Counter[str] = Counter()
        for claim in await self._repo.claims(self._db, offer.id):
            if claim.state not in TAKEN or claim.address is None:
                continue
            if claim.shop_draft_id is not None:
                outcome["already"] += 1
                continue
            address = claim.address
            *first, last = address.name.split() or [""]
            gift = GiftDraft(
                key=f"creatorbot-gift-{claim.id}",
                title=f"{offer.product} — {claim.variant}" if claim.variant else offer.product,
                unit_price=price,
                first_name=" ".join(first),
                last_name=last,
                address1=address.street,
                zip=address.postcode,
                city=address.city,
                country_code=address.country,
                phone=address.phone,
                note=f"Creator gift, offer #{offer.id} (creatorbot)",
            )
            try:
                draft = await self._shopify.create_gift_draft(gift)
            except ShopUnavailable as exc:
                log.warning("gift %s: no Shopify draft order (%s)", claim.id, exc.params)
                outcome["failed"] += 1
                continue
            async with self._db.transaction() as tx:
                await self._repo.set_draft(tx, claim.id, draft.shop_id)
            outcome["created"] += 1
        async with self._db.transaction() as tx:
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="gift.drafts",
                subject=f"gift_offer:{offer.id}",
                detail=dict(outcome),
                now=to_epoch(self._clock.now()),
            )
        return outcome

    async def mark(
        self,
        guild_id: int,
        offer_id: int,
        actor_id: int | None,
        user_ids: list[int] | None,
        *,
        delivered: bool,
    ) -> Marked:
        """Mark gifts shipped or delivered: the given members' (``None``: every accepted
        one). Delivery plans the offer's expected content due ``days`` after now."""
        offer = await self.get(guild_id, offer_id)
        settings = await self._settings.get(guild_id)
        claims = [
            c
            for c in await self._repo.claims(self._db, offer.id)
            if user_ids is None or c.user_id in user_ids
        ]
        movable = (ClaimState.ACCEPTED, ClaimState.SHIPPED) if delivered else (ClaimState.ACCEPTED,)
        targets = [c for c in claims if c.state in movable]
        if not targets:
            raise NothingToMark(delivered=delivered)
        now_dt = self._clock.now()
        now = to_epoch(now_dt)
        done: list[DeliveredGift] = []
        count = 0
        async with self._db.transaction() as tx:
            for claim in targets:
                if not delivered:
                    count += await self._repo.mark_shipped(tx, claim.id, now)
                    continue
                if not await self._repo.mark_delivered(tx, claim.id, now):
                    continue
                count += 1
                due: list[datetime] = []
                content = offer.content
                if content is not None:
                    due = spread_due_times(now_dt, content.days, content.count)
                    for n, due_at in enumerate(due):
                        deliverable_id = await self._deliverables.insert(
                            tx,
                            guild_id=guild_id,
                            creator_id=claim.creator_id,
                            contract_id=None,
                            platform=content.platform,
                            kind=content.kind,
                            due_at=to_epoch(due_at),
                            fee_minor=0,
                            currency=offer.currency,
                            created_by=actor_id,
                            now=now,
                        )
                        if n == 0:
                            await self._repo.set_deliverable(tx, claim.id, deliverable_id)
                notice = (
                    notices.gift_delivered(guild_id, claim.user_id, claim.id)
                    if claim.user_id is not None
                    else None
                )
                done.append(DeliveredGift(offer, claim, notice, tuple(due), settings.timezone))
            job_id = None
            told = [g.claim.id for g in done if g.notice is not None]
            if told and actor_id is not None:
                # A manager's command: the DMs go out as a job (paced, resumed after a
                # restart, progress in the reply). The shop's webhook leaves them to the sweep.
                job_id = await self._job_repo.insert(
                    tx,
                    guild_id=guild_id,
                    kind=JobKind.GIFT_DELIVERED,
                    created_by=actor_id,
                    params={
                        "product": offer.product,
                        "due": [to_epoch(d) for d in done[0].due] if done else [],
                    },
                    subject_ids=told,
                    now=now,
                )
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="gift.delivered" if delivered else "gift.shipped",
                subject=f"gift_offer:{offer.id}",
                detail={"count": count, "all": user_ids is None},
                now=now,
            )
        job = await self._jobs.get(job_id) if job_id is not None else None
        return Marked(offer, count, tuple(done), job)

    async def delivered_item(self, job: Job, item: JobItem) -> DeliveredGift | None:
        """One gift of a delivery job (its item is the claim): what to tell, or None if its
        creator is gone or the gift is no longer delivered."""
        claim = await self._repo.claim(self._db, item.subject_id)
        if claim is None or claim.user_id is None or claim.state is not ClaimState.DELIVERED:
            return None
        offer = await self._repo.offer(self._db, claim.offer_id)
        assert offer is not None
        settings = await self._settings.get(claim.guild_id)
        due = tuple(from_epoch(d) for d in job.params.get("due", []))
        notice = notices.gift_delivered(claim.guild_id, claim.user_id, claim.id)
        return DeliveredGift(offer, claim, notice, due, settings.timezone)  # type: ignore[arg-type]

    async def shop_shipment(self, claim_ids: tuple[int, ...], delivered: bool) -> int:
        """The shop fulfilled (or delivered) these gifts' orders: mark them as a manager's
        /gift shipped or /gift delivered would; a gift already that far is left as it is.
        The "your gift arrived" DM follows from the sweep (:meth:`untold_deliveries`)."""
        count = 0
        for claim_id in claim_ids:
            claim = await self._repo.claim(self._db, claim_id)
            if claim is None:
                continue
            try:
                marked = await self.mark(
                    claim.guild_id, claim.offer_id, None, [claim.user_id], delivered=delivered
                )
            except CreatorbotError:
                continue  # nothing left to mark: a repeated or late delivery changes nothing
            count += marked.count
        return count

    async def untold_deliveries(self, days: int = 7) -> list[DeliveredGift]:
        """Gifts delivered in the last ``days`` whose creator was never told (marked by the
        shop's webhook, or a DM cut off by a crash): the sweep sends their DM."""
        since = to_epoch(self._clock.now()) - days * 86_400
        prefix = notices.key_prefix(notices.NoticeKind.GIFT_DELIVERED)
        found = []
        for claim, offer, due_at in await self._repo.untold_deliveries(self._db, since, prefix):
            if claim.user_id is None:
                continue
            notice = notices.gift_delivered(claim.guild_id, claim.user_id, claim.id)
            settings = await self._settings.get(claim.guild_id)
            due = (from_epoch(due_at),) if due_at is not None else ()
            found.append(DeliveredGift(offer, claim, notice, due, settings.timezone))  # type: ignore[arg-type]
        return found

    async def tell_delivered(self, gift: DeliveredGift, sender: Sender) -> Delivery:
        """The "your gift arrived" DM, once per gift."""
        assert gift.notice is not None
        return await self._notifications.send_once(gift.notice, sender)

    # --- privacy --------------------------------------------------------------------------

    async def erase_expired(self) -> int:
        """Erase every address kept ``gift_address_retention_days`` past its delivery (a
        sweep task); each erase is audited without the address."""
        now = to_epoch(self._clock.now())
        erased = 0
        for claim_id, guild_id, creator_id in await self._repo.expired_addresses(self._db, now):
            async with self._db.transaction() as tx:
                if not await self._repo.erase_address(tx, claim_id, now):
                    continue
                await self._audit.record(
                    tx,
                    guild_id=guild_id,
                    actor_id=None,
                    action="gift.address_erased",
                    subject=f"gift_claim:{claim_id}",
                    detail={"reason": "retention", "creator_id": creator_id},
                    now=now,
                )
            erased += 1
        if erased:
            log.info("erased %d gift address(es) past their retention", erased)
        return erased
