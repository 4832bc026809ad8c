"""A local stand-in for Stripe's coupons and promotion codes (``/v1``).

store = StripeStore(clock)
store.add_key("sk_test_…")
async with LoopbackServer(create_app(store)) as server:   # server.base_url is the API base
    store.tap.fail("/v1/promotion_codes", 429)           # Stripe's rate_limit, Retry-After
    store.promotion_codes, store.coupons, store.calls("POST", "/v1/promotion_codes")
"""

from ._store import OLDEST_VERSION, STORE, StripeStore, create_app

__all__ = ["OLDEST_VERSION", "STORE", "StripeStore", "create_app"]
