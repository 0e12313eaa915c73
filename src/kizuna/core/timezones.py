"""Days in the site's time zone (Asia/Tokyo) as bounds of stored UTC times."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def local_day_bounds(day: date, *, end: bool = False) -> datetime:
    """Start of ``day`` in the site's time zone as an aware datetime, or with ``end`` the start
    of the next day (an exclusive upper bound): a date filter written as ``at >= start`` and
    ``at < end`` on the stored column keeps its index usable."""
    moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    return timezone.make_aware(moment)
