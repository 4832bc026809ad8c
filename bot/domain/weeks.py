"""Weeks and day buckets in a server's timezone.

A week is Monday 00:00 to the next Monday 00:00 in the server's timezone (PRODUCT §4). Local
midnights are built with :mod:`zoneinfo` and only then converted to UTC, so a week across a
daylight-saving change has 167 or 169 hours and each day bucket is a local calendar day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

DAYS_PER_WEEK = 7


def local_midnight(day: date, timezone: str) -> datetime:
    """The first instant of ``day`` in ``timezone``, as an aware UTC datetime.

    Where midnight falls in a daylight-saving gap, ``fold=0`` reads it with the offset in
    force before the change, which is the instant the local day begins.
    """
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """``days`` consecutive local days starting at a local wall-clock time.

    ``start`` is aware and in the server's zone. Day ``k`` runs from ``start + k days`` to
    ``start + (k + 1) days`` in wall-clock time, so the buckets follow the local calendar.
    """

    start: datetime
    days: int = DAYS_PER_WEEK

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("a period needs an aware start")
        if self.days < 1:
            raise ValueError("a period has at least one day")

    @property
    def timezone(self) -> str:
        return str(self.start.tzinfo)

    @property
    def key(self) -> str:
        """The local date of the first day, ``YYYY-MM-DD`` (a week's idempotency key)."""
        return self.start.date().isoformat()

    def boundaries(self) -> tuple[datetime, ...]:
        """The ``days + 1`` instants (UTC) that separate the day buckets."""
        zone = ZoneInfo(self.timezone)
        naive = self.start.replace(tzinfo=None)
        return tuple(
            (naive + timedelta(days=k)).replace(tzinfo=zone).astimezone(UTC)
            for k in range(self.days + 1)
        )

    @property
    def starts_at(self) -> datetime:
        return self.boundaries()[0]

    @property
    def ends_at(self) -> datetime:
        return self.boundaries()[-1]

    @property
    def hours(self) -> float:
        """Elapsed hours: 168 for a plain week, 167 or 169 across a DST change."""
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    def local_days(self) -> tuple[date, ...]:
        """The local date each day bucket starts on."""
        return tuple((self.start.date() + timedelta(days=k)) for k in range(self.days))

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return self._shifted(-self.days)

    def _shifted(self, days: int) -> Period:
        naive = self.start.replace(tzinfo=None) + timedelta(days=days)
        return Period(naive.replace(tzinfo=self.start.tzinfo), self.days)


def week_starting(monday: date, timezone: str) -> Period:
    """The week that begins on the local Monday ``monday``."""
    if monday.weekday() != 0:
        raise ValueError(f"{monday} is not a Monday")
    return Period(datetime.combine(monday, time(0), tzinfo=ZoneInfo(timezone)))


def week_containing(moment: datetime, timezone: str) -> Period:
    """The week (Monday 00:00 local, inclusive) that ``moment`` falls in."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not allowed")
    local = moment.astimezone(ZoneInfo(timezone)).date()
    return week_starting(local - timedelta(days=local.weekday()), timezone)


def last_full_week(moment: datetime, timezone: str) -> Period:
    """The latest week that ended at or before ``moment``."""
    return week_containing(moment, timezone).previous()


def last_days(moment: datetime, timezone: str, days: int = DAYS_PER_WEEK) -> Period:
    """The ``days`` local calendar days up to ``moment``, its own day included ("the last 7
    days": today and the six days before). The last bucket ends at the next local midnight;
    nothing has happened after ``moment`` yet."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not allowed")
    zone = ZoneInfo(timezone)
    today = moment.astimezone(zone).date()
    return Period(datetime.combine(today - timedelta(days=days - 1), time(0), tzinfo=zone), days)


def period_start(period: str, now: datetime, zone: tzinfo) -> datetime | None:
    """Start of ``week`` (Monday 00:00 local), ``month`` (the 1st, 00:00 local) or ``all``
    (``None``) around ``now`` in the server's timezone ``zone``."""
    local = now.astimezone(zone)
    if period == "week":
        monday = (local - timedelta(days=local.weekday())).date()
        return datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    if period == "month":
        return datetime(local.year, local.month, 1, tzinfo=zone)
    return None
