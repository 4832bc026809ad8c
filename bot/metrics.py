"""Prometheus metrics of one process, served by ``GET /metrics``.

Each :class:`Metrics` has its own registry so tests (and two apps in one process) never share
counters.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class Metrics:
    """The program's counters and gauges."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.redirects = Counter(
            "creatorbot_redirects", "Tracking-link redirects answered.", ["result"], registry=r
        )
        self.clicks_counted = Counter(
            "creatorbot_clicks_counted", "Clicks recorded for attribution.", registry=r
        )
        self.clicks_bot = Counter(
            "creatorbot_clicks_bot", "Redirects not counted: crawlers, previews, HEAD.", registry=r
        )
        self.clicks_dropped = Counter(
            "creatorbot_clicks_dropped", "Clicks lost because the write queue was full.", registry=r
        )
        self.click_queue_depth = Gauge(
            "creatorbot_click_queue_depth", "Clicks waiting to be written.", registry=r
        )
        self.webhooks = Counter(
            "creatorbot_webhooks", "Shop webhook deliveries.", ["source", "result"], registry=r
        )
        self.interactions = Counter(
            "creatorbot_interactions", "Discord interactions handled.", ["kind"], registry=r
        )
        self.dm_failures = Counter(
            "creatorbot_dm_failures", "Direct messages that could not be delivered.", registry=r
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
