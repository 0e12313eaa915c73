"""Tokyo days as bounds of stored UTC times (kizuna.core.timezones)."""

from __future__ import annotations

import datetime as dt

from kizuna.core.timezones import local_day_bounds


def test_a_tokyo_day_starts_and_ends_at_midnight_in_tokyo() -> None:
    day = dt.date(2026, 10, 31)
    start, end = local_day_bounds(day), local_day_bounds(day, end=True)
    assert start == dt.datetime(2026, 10, 30, 15, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 10, 31, 15, 0, tzinfo=dt.UTC)  # exclusive: next midnight
    # The last day of a year rolls over to the next one.
    assert local_day_bounds(dt.date(2026, 12, 31), end=True) == \
        dt.datetime(2026, 12, 31, 15, 0, tzinfo=dt.UTC)
