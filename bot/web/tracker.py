"""``GET``/``HEAD /r/{slug}``: the tracking redirect.

The hot path raises nothing and never waits on the disk: the link comes from the tracking
service's cache (a miss reads the database once), the click is decided in memory and queued,
and the answer is a plain 302 ``web.Response``.

Client IP: the TCP peer address; when the peer is a loopback or private address (our own
reverse proxy, e.g. nginx or Caddy on the same host or network: 127/8, 10/8, 172.16/12,
192.168/16, ::1, fc00::/7) the first ``X-Forwarded-For`` entry instead. Configure that proxy to
*replace* the header with the address it sees (nginx: ``proxy_set_header X-Forwarded-For
$remote_addr;``), because a first entry the visitor wrote themselves would let one visitor pose
as many. Headers from public peers are ignored. The IP is only ever hashed, never stored or
logged — run the tracker without an access log (the runtime does), as an access log would
write the peer address.
"""

from __future__ import annotations

import gc
import html
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from aiohttp import web
from multidict import istr

from bot.domain.clicks import Outcome, classify, visitor_query
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, render
from bot.services.tracking import TrackingService

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Header names as istr: aiohttp's header lookups skip case-folding them, about half the cost.
_USER_AGENT = istr("User-Agent")
_SEC_PURPOSE = istr("Sec-Purpose")
_PURPOSE = istr("Purpose")
_ACCEPT_LANGUAGE = istr("Accept-Language")

# Redirects must reach us every time to be counted, and carry a per-click id.
_NO_STORE = "no-store"
_PAGE = (
    '<!doctype html><html lang="{lang}"><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width,initial-scale=1">'
    "<title>404</title><p>{text}</p></html>\n"
)
_pages: dict[str, bytes] = {}


def accept_language(header: str | None) -> str:
    """``"nl"`` when Dutch is preferred over English in ``Accept-Language``, else ``"en"``."""
    if not header:
        return DEFAULT_LANGUAGE
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for item in header.split(","):
        tag, _, params = item.strip().partition(";")
        lang = tag.strip().lower().partition("-")[0]
        if lang not in LANGUAGES:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = lang, q
    return best if best_q > 0 else DEFAULT_LANGUAGE


def _page(lang: str) -> bytes:
    page = _pages.get(lang)
    if page is None:
        text = html.escape(render("tracker.not_found", lang))
        page = _pages[lang] = _PAGE.format(lang=lang, text=text).encode()
    return page


def not_found(request: web.Request) -> web.Response:
    """The small HTML 404 page, in the visitor's language."""
    lang = accept_language(request.headers.get(_ACCEPT_LANGUAGE))
    return web.Response(
        status=404,
        body=_page(lang),
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": _NO_STORE},
    )


def redirect_handler(tracking: TrackingService) -> Handler:
    """The ``/r/{slug}`` handler: 302 to the link's destination with UTM parameters and, for a
    counted click, the click id; 404 for an unknown slug."""
    cached = tracking.links.resolved.get
    seconds = tracking.seconds
    record = tracking.record
    tally = tracking.tally
    counted = Outcome.COUNTED

    async def redirect(request: web.Request) -> web.Response:
        slug = request.match_info["slug"]
        now = int(seconds())
        link = cached(slug)
        if link is None:
            link = await tracking.resolve(slug, now)
            if link is None:
                tally[Outcome.NOT_FOUND] += 1
                return not_found(request)
        destination = link.destination
        if destination is None:
            tally[Outcome.BAD_DESTINATION] += 1
            return not_found(request)

        headers = request.headers
        # The raw query: visitor_query splits it on "&" before decoding the parts.
        query_string = request.rel_url.raw_query_string
        forwarded: Sequence[tuple[str, str]] = ()
        notrack = False
        if query_string:
            forwarded, notrack = visitor_query(query_string)
        outcome = classify(
            request.method == "HEAD",
            headers.get(_USER_AGENT),
            headers.get(_SEC_PURPOSE) or headers.get(_PURPOSE),
            notrack,
            link.countable,
        )
        click_id = None
        if outcome is counted:
            # The rest of the click (visitor hash, uniqueness, referrer, country) is worked out
            # by the click writer, a batch at a time; the writer also counts it.
            click_id = record(link, request.remote, headers, now)
            if click_id is None:
                tally[Outcome.DROPPED] += 1
        else:
            tally[outcome] += 1
        return web.Response(
            status=302,
            headers={
                "Location": destination.location(click_id, forwarded),
                "Cache-Control": _NO_STORE,
            },
        )

    return redirect


def setup(app: web.Application, tracking: TrackingService) -> None:
    """Register the redirect routes and run the click writer for the app's lifetime."""
    app.router.add_get("/r/{slug}", redirect_handler(tracking))  # also answers HEAD

    async def click_writer(_app: web.Application) -> AsyncIterator[None]:
        await tracking.start()
        # Everything loaded so far (modules, templates, the link cache: ~140 000 objects)
        # lives as long as the process; frozen, the garbage collector's full passes skip it.
        # Unfrozen, each full pass walked it all and stalled every redirect for 50-100 ms.
        gc.freeze()
        yield
        gc.unfreeze()
        await tracking.stop()

    app.cleanup_ctx.append(click_writer)
