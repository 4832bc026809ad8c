"""The HTTP side of the process: tracking redirects, shop webhooks, health and metrics.

``create_app(services)`` builds the aiohttp application around the same service objects the
Discord client uses.
"""

from __future__ import annotations

from aiohttp import web

from bot.registry import Services
from bot.web import tracker, webhooks

SERVICES = web.AppKey("services", Services)


def _services(request: web.Request) -> Services:
    return request.app[SERVICES]


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers and its database answers."""
    services = _services(request)
    await services.db.fetch_val("SELECT 1")
    return web.json_response({"status": "ok"})


async def metrics(request: web.Request) -> web.Response:
    services = _services(request)
    body = services.metrics.render()
    return web.Response(body=body, headers={"Content-Type": services.metrics.content_type})


def create_app(services: Services) -> web.Application:
    """The tracker application; the caller owns the services' lifetime."""
    app = web.Application(client_max_size=1024 * 1024)
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    tracker.setup(app, services.tracking)
    webhooks.setup(app, services)
    return app
