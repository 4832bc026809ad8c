"""Use case: recognising returning customers without keeping who they are.

An order's customer identifiers (the shop's customer id, a Stripe subscription, the e-mail
address) become keyed hashes here; only those reach the database. The key is
``CREATORBOT_CUSTOMER_KEY`` when set; otherwise one is made on first use and kept in the
database, so the hashes stay stable across restarts (changing the key forgets every
customer's creator).
"""

from __future__ import annotations

import random
import secrets

from bot.db.connection import Database, Queries, Transaction
from bot.db.customers_repo import CustomerRepository, LifetimeRow
from bot.domain.orders import OrderEvent
from bot.domain.recurring import CustomerFacts, customer_identifiers, customer_key

SECRET_NAME = "customer_key"


class CustomerService:
    def __init__(
        self,
        db: Database,
        repo: CustomerRepository,
        key: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._db = db
        self._repo = repo
        self._key = key.encode("utf-8") if key else None
        self._rng = rng

    async def _secret(self) -> bytes:
        if self._key is None:
            stored = await self._repo.secret(self._db, SECRET_NAME)
            if stored is None:
                made = f"{self._rng.getrandbits(256):064x}" if self._rng else secrets.token_hex(32)
                async with self._db.transaction() as tx:
                    stored = await self._repo.keep_secret(tx, SECRET_NAME, made)
            self._key = str(stored).encode("utf-8")
        return self._key

    async def keys_of(self, identifiers: tuple[str, ...]) -> tuple[str, ...]:
        if not identifiers:
            return ()
        secret = await self._secret()
        return tuple(customer_key(secret, i) for i in identifiers)

    async def keys(self, event: OrderEvent) -> tuple[str, ...]:
        """The keyed hashes of ``event``'s customer, strongest identifier first."""
        return await self.keys_of(customer_identifiers(event.customer_ids, event.customer_email))

    async def owner(
        self, q: Queries, keys: tuple[str, ...], guild_id: int | None = None
    ) -> CustomerFacts | None:
        return await self._repo.owner(q, keys, guild_id)

    async def remember(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        keys: tuple[str, ...],
        creator_id: int,
        conversion_id: int,
        acquired_at: int,
    ) -> None:
        """After an attributed sale: the customer is the creator's, unless someone in this
        server brought them earlier (then the new keys join that creator's)."""
        if not keys:
            return
        earlier = await self._repo.owner(tx, keys, guild_id)
        if earlier is not None:
            creator_id = earlier.creator_id
            conversion_id = earlier.conversion_id
            acquired_at = earlier.acquired_at
        await self._repo.remember(
            tx,
            guild_id=guild_id,
            keys=keys,
            creator_id=creator_id,
            conversion_id=conversion_id,
            acquired_at=acquired_at,
        )

    async def forget(self, identifiers: tuple[str, ...]) -> int:
        """Erase what links a shop customer to a creator (a shop's redact request)."""
        keys = await self.keys_of(identifiers)
        async with self._db.transaction() as tx:
            return await self._repo.forget(tx, keys)

    async def lifetime(self, guild_id: int, currency: str) -> dict[int, LifetimeRow]:
        rows = await self._repo.lifetime_by_creator(self._db, guild_id, currency)
        return {row.creator_id: row for row in rows}
