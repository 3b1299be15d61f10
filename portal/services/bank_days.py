"""Danish bank days: Monday to Friday except the days Danish banks are closed.

The `holidays` package knows the Danish public holidays and the customary days off ("optional":
Christmas Eve, New Year's Eve, Constitution Day, 1 May). Banks close on all of them except 1 May, and
also on the Friday after Ascension Day, which the package does not list.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from dateutil.easter import easter

from portal.i18n import COPENHAGEN

_OPEN_ON = ("05-01",)  # Workers' Day: a customary day off, but banks are open


@lru_cache(maxsize=32)
def closed_days(year: int) -> frozenset[date]:
    """The weekdays Danish banks are closed in a year."""
    found = holidays.Denmark(years=year, categories=("public", "optional"))
    days = {day for day in found if day.strftime("%m-%d") not in _OPEN_ON}
    days.add(easter(year) + timedelta(days=40))  # the Friday after Ascension Day (Easter + 39)
    return frozenset(days)


def is_bank_day(day: date) -> bool:
    """Whether Danish banks are open on the day."""
    return day.weekday() < 5 and day not in closed_days(day.year)


def add_bank_days(start: date, count: int) -> date:
    """The date `count` bank days after `start` (start itself does not count)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        count -= is_bank_day(day)
    return day


def end_of_day(day: date) -> datetime:
    """The first moment after the day ends in Copenhagen, as an aware datetime (store it in UTC)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=COPENHAGEN)
