"""Recognise the publication date written at the start of a line of a news article."""

import datetime
import re

__all__ = ["find_date", "find_date_line"]

MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}

# Abbreviations that outlets commonly print for time zones; anything rarer stays naive
# rather than guessed.
ZONES = {
    "z": 0,
    "utc": 0,
    "gmt": 0,
    "msk": 3 * 60,
    "cet": 60,
    "cest": 2 * 60,
    "bst": 60,
    "eet": 2 * 60,
    "eest": 3 * 60,
    "est": -5 * 60,
    "edt": -4 * 60,
    "cst": -6 * 60,
    "cdt": -5 * 60,
    "pst": -8 * 60,
    "pdt": -7 * 60,
}

EARLIEST_YEAR = 1900
LATEST_YEAR = 2100

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = (
    r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)\.?,?\s+)?"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
_LABEL = (
    r"(?:(?:date|dated|published(?:\s+on)?|updated(?:\s+on)?|last\s+updated|"
    r"posted(?:\s+on)?|first\s+published)(?:\s*:\s*|\s+))?"
)
_ZONE = (
    r"(?P<zone>(?:z|utc|gmt|msk|cest|cet|bst|eest|eet|est|edt|cst|cdt|pst|pdt)(?![a-z])"
    r"|[+-]\d{2}:?\d{2})"
)

# Bullets and punctuation that frame a date on its own line ("15:07 28.02.2023 •").
_FRAME = " \t•·|–—-:,;/()[]*"

_LEADING = re.compile(r"[\s•·|*\-–—]*" + _LABEL + _WEEKDAY, re.IGNORECASE)

_DATE_FORMS = (
    # 2023-02-28, 2023-02-28T15:07:00Z and other ISO 8601 variants
    re.compile(
        r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
        r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
        r"(?:\s?" + _ZONE + r")?)?(?![\d:])",
        re.IGNORECASE,
    ),
    # 2023/02/28, 2023.02.28
    re.compile(r"(?P<year>\d{4})([/.])(?P<month>\d{1,2})\2(?P<day>\d{1,2})(?![\d/.]\d)"),
    # 28.02.2023, 28/02/2023, 28-02-2023 (and 02/28/2023 when the day cannot come first)
    re.compile(r"(?P<first>\d{1,2})([./-])(?P<second>\d{1,2})\2(?P<year>\d{4})(?!\d)"),
    # May 27, 2024 / Feb. 28, 2023 / May 27th 2024
    re.compile(
        _MONTH + r"\s+(?P<day>\d{1,2})" + _ORDINAL + r",?\s+(?P<year>\d{4})(?!\d)",
        re.IGNORECASE,
    ),
    # 27 May 2024 / 27th May, 2024 / 27. May 2024
    re.compile(
        r"(?P<day>\d{1,2})"
        + _ORDINAL
        + r"\.?\s+(?:of\s+)?"
        + _MONTH
        + r",?\s+(?P<year>\d{4})(?!\d)",
        re.IGNORECASE,
    ),
)

_TIME = (
    r"(?P<hour>\d{1,2}): ?(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:\s*(?P<ampm>[ap])\.?m\.?)?(?:\s*" + _ZONE + r")?(?![\w:])"
)
_TIME_BEFORE = re.compile(_TIME + r"[\s,•|\-–—]+", re.IGNORECASE)
_TIME_AFTER = re.compile(r"(?:,|\s|\bat\b|[|•\-–—])+" + _TIME, re.IGNORECASE)


def find_date(text: str) -> tuple[datetime.date | datetime.datetime, str] | None:
    """Return the date that `text` starts with, and the text it was read from.

    Bullets and labels such as "Published:" or "date" before the date belong to the match;
    a time before or after the date ("15:07 28.02.2023", "May 27, 2024 10:30 AM") makes the
    value a datetime.
    """
    found = _find(text)
    if found is None:
        return None
    value, start, end = found
    return value, text[start:end]


def find_date_line(line: str) -> tuple[datetime.date | datetime.datetime, str] | None:
    """Return what `find_date` does when `line` is essentially only a date, bullets and a label."""
    found = _find(line)
    if found is None or line[found[2] :].strip(_FRAME):
        return None
    value, start, end = found
    return value, line[start:end]


def _find(text: str) -> tuple[datetime.date | datetime.datetime, int, int] | None:
    lead = _LEADING.match(text)
    start = lead.end()
    label_start = _first_word_start(text, 0, start)
    time_before = _TIME_BEFORE.match(text, start)
    date_start = time_before.end() if time_before else start
    date, date_end = _match_date(text, date_start)
    if date is None:
        return None
    if time_before:
        return _found(_with_time(date, time_before), label_start, date_end)
    time_after = _TIME_AFTER.match(text, date_end)
    if time_after and not isinstance(date, datetime.datetime):
        return _found(_with_time(date, time_after), label_start, time_after.end())
    return date, label_start, date_end


def _found(value, start: int, end: int):
    return None if value is None else (value, start, end)


def _first_word_start(text: str, start: int, end: int) -> int:
    # The matched text starts at the label or date, not at the bullets before it.
    for index in range(start, end):
        if text[index].isalnum():
            return index
    return end


def _match_date(text: str, pos: int) -> tuple[datetime.date | None, int]:
    for form in _DATE_FORMS:
        match = form.match(text, pos)
        if match is None:
            continue
        date = _to_date(match)
        if date is None:
            return None, pos
        if "hour" in match.re.groupindex and match.group("hour"):
            moment = _with_time(date, match)
            return (moment, match.end()) if moment else (None, pos)
        return date, match.end()
    return None, pos


def _to_date(match: re.Match) -> datetime.date | None:
    parts = match.groupdict()
    year = int(parts["year"])
    if "first" in parts:
        day, month = int(parts["first"]), int(parts["second"])
        # Day first, as most of the world writes it, unless only month-first can be valid.
        if month > 12 >= day:
            day, month = month, day
    else:
        day = int(parts["day"])
        month_text = parts["month"]
        month = int(month_text) if month_text.isdigit() else MONTHS[month_text.lower()]
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _with_time(
    date: datetime.date | datetime.datetime, match: re.Match
) -> datetime.datetime | None:
    parts = match.groupdict()
    hour, minute = int(parts["hour"]), int(parts["minute"])
    second = int(parts["second"] or 0)
    ampm = (parts.get("ampm") or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    zone = _zone(parts.get("zone"))
    return datetime.datetime(date.year, date.month, date.day, hour, minute, second, tzinfo=zone)


def _zone(text: str | None) -> datetime.timezone | None:
    if not text:
        return None
    key = text.lower()
    if key in ZONES:
        minutes = ZONES[key]
    else:
        sign = -1 if key[0] == "-" else 1
        digits = key[1:].replace(":", "")
        minutes = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        if abs(minutes) >= 24 * 60:
            return None
    return datetime.timezone(datetime.timedelta(minutes=minutes))
