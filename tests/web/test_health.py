"""The tracker's health and metrics endpoints, on the real aiohttp app."""

from __future__ import annotations

from bot.registry import Services
from bot.web.app import create_app


async def test_healthz_answers(aiohttp_client, services: Services) -> None:  # type: ignore[no-untyped-def]
    """GET /healthz is 200 with a JSON status when the database answers."""
    client = await aiohttp_client(create_app(services))
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_metrics_prometheus_text(aiohttp_client, services: Services) -> None:  # type: ignore[no-untyped-def]
    """GET /metrics is Prometheus text with the program's counters."""
    services.metrics.clicks_dropped.inc(3)
    client = await aiohttp_client(create_app(services))
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    body = await response.text()
    assert "creatorbot_clicks_dropped_total 3.0" in body
    assert "# TYPE creatorbot_redirects_total counter" in body
