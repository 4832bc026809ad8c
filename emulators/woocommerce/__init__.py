"""A local stand-in for a WooCommerce store's REST API (``/wp-json/wc/v3``).

store = WooStore(clock)
store.add_key("ck_…", "cs_…")
store.add_refunds("1001", refunds)      # as the store's REST API returns them
server = TestServer(create_app(store))   # or any aiohttp runner
"""

from ._store import STORE, VALID_WINDOW, WooStore, create_app

__all__ = ["STORE", "VALID_WINDOW", "WooStore", "create_app"]
