"""A local stand-in for a Shopify store's GraphQL Admin API (discount codes).

store = ShopifyStore(clock, token="shpat_…")
store.add_code("ANNA15")                       # a code someone made in the Shopify admin
async with LoopbackServer(create_app(store)) as server:
    ... POST {server.base_url}/admin/api/2026-10/graphql.json ...
store.calls["discountCodeBasicCreate"], store.throttled[...], store.bucket.drain(0)
"""

from ._store import (
    INVALID_TOKEN,
    SCHEMA,
    STORE,
    TAKEN_MESSAGE,
    CostBucket,
    Discount,
    ShopifyStore,
    create_app,
)

__all__ = [
    "INVALID_TOKEN",
    "SCHEMA",
    "STORE",
    "TAKEN_MESSAGE",
    "CostBucket",
    "Discount",
    "ShopifyStore",
    "create_app",
]
