import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.text.dates import find_date, find_date_line

UTC = datetime.UTC


def dt(*parts, tz=None):
    return datetime.datetime(*parts, tzinfo=tz)


@pytest.mark.parametrize(
    ("text", "value", "matched"),
    [
        ("15:07 28.02.2023", dt(2023, 2, 28, 15, 7), "15:07 28.02.2023"),
        ("28.02.2023", datetime.date(2023, 2, 28), "28.02.2023"),
        ("2023-02-28", datetime.date(2023, 2, 28), "2023-02-28"),
        ("2023-02-28T15:07:00Z", dt(2023, 2, 28, 15, 7, tz=UTC), "2023-02-28T15:07:00Z"),
        ("2023-02-28T15:07Z", dt(2023, 2, 28, 15, 7, tz=UTC), "2023-02-28T15:07Z"),
        ("2023-02-28 15:07:09", dt(2023, 2, 28, 15, 7, 9), "2023-02-28 15:07:09"),
        ("date 2023-02-28", datetime.date(2023, 2, 28), "date 2023-02-28"),
        ("Monday, May 27, 2024", datetime.date(2024, 5, 27), "Monday, May 27, 2024"),
        ("May 27, 2024", datetime.date(2024, 5, 27), "May 27, 2024"),
        ("27 May 2024", datetime.date(2024, 5, 27), "27 May 2024"),
        ("27th May, 2024", datetime.date(2024, 5, 27), "27th May, 2024"),
        ("Feb. 28, 2023", datetime.date(2023, 2, 28), "Feb. 28, 2023"),
        ("Sept. 3, 2023", datetime.date(2023, 9, 3), "Sept. 3, 2023"),
        ("28/02/2023", datetime.date(2023, 2, 28), "28/02/2023"),
        ("2023/02/28", datetime.date(2023, 2, 28), "2023/02/28"),
        ("Tue 28 February 2023", datetime.date(2023, 2, 28), "Tue 28 February 2023"),
    ],
)
def test_each_format_is_read(text, value, matched):
    assert find_date(text) == (value, matched)


def test_ambiguous_numeric_date_is_day_first():
    assert find_date("03/04/2023")[0] == datetime.date(2023, 4, 3)


def test_numeric_date_is_month_first_when_day_first_is_impossible():
    assert find_date("02/28/2023")[0] == datetime.date(2023, 2, 28)


def test_time_after_date_with_am_pm():
    assert find_date("May 27, 2024 10:30 AM")[0] == dt(2024, 5, 27, 10, 30)
    assert find_date("May 27, 2024 at 10:30 p.m.")[0] == dt(2024, 5, 27, 22, 30)


def test_twelve_am_is_midnight():
    assert find_date("May 27, 2024 12:05 AM")[0] == dt(2024, 5, 27, 0, 5)


def test_time_split_by_tokenisation_is_still_read():
    value, matched = find_date("First Published: June 13, 2013 4: 59 PM EDT")
    assert value == dt(2013, 6, 13, 16, 59, tz=datetime.timezone(datetime.timedelta(hours=-4)))
    assert matched == "First Published: June 13, 2013 4: 59 PM EDT"


def test_time_with_gmt_is_utc():
    assert find_date("27 May 2024, 15:07 GMT")[0] == dt(2024, 5, 27, 15, 7, tz=UTC)


def test_numeric_zone_offset():
    value = find_date("2023-02-28T15:07:00+03:00")[0]
    assert value.utcoffset() == datetime.timedelta(hours=3)


def test_named_zone_offset():
    assert find_date("28.02.2023 15:07 MSK")[0].utcoffset() == datetime.timedelta(hours=3)


def test_zone_abbreviation_needs_a_word_boundary():
    value, matched = find_date("2023-02-28 15:07 Estonia said")
    assert value.tzinfo is None
    assert matched == "2023-02-28 15:07"


def test_leading_fragment_of_a_paragraph():
    assert find_date(" date 2023-02-28 NATO has entered") == (
        datetime.date(2023, 2, 28),
        "date 2023-02-28",
    )


def test_labels_belong_to_the_match():
    assert find_date("Published: May 27, 2024")[1] == "Published: May 27, 2024"
    assert find_date("Updated 28.02.2023")[1] == "Updated 28.02.2023"


def test_bullets_before_the_date_are_not_part_of_the_match():
    assert find_date("• 28.02.2023")[1] == "28.02.2023"


@pytest.mark.parametrize("text", ["31.02.2023", "2023-13-01", "30 February 2023", "29.02.2023"])
def test_impossible_dates_are_rejected(text):
    assert find_date(text) is None


@pytest.mark.parametrize("text", ["01.01.1899", "2101-01-01", "May 1, 0999"])
def test_years_outside_1900_to_2100_are_rejected(text):
    assert find_date(text) is None


def test_leap_day_is_accepted():
    assert find_date("29.02.2024")[0] == datetime.date(2024, 2, 29)


def test_impossible_time_is_rejected():
    assert find_date("25:07 28.02.2023") is None


@pytest.mark.parametrize(
    "text",
    ["Peskov said", "", "   ", "May the best man win", "2023 was a hard year", "12345678"],
)
def test_text_without_a_leading_date(text):
    assert find_date(text) is None


def test_date_in_the_middle_of_text_is_not_found():
    assert find_date("He said on 28.02.2023 that") is None


def test_longer_number_is_not_a_date():
    assert find_date("2023-02-281") is None


def test_date_line_allows_bullets_and_labels():
    assert find_date_line("15:07 28.02.2023 •") == (dt(2023, 2, 28, 15, 7), "15:07 28.02.2023")
    assert find_date_line("| Published: May 27, 2024 |")[0] == datetime.date(2024, 5, 27)


def test_date_line_refuses_a_sentence_that_starts_with_a_date():
    assert find_date_line("May 27, 2024 was the day Peskov spoke.") is None
    assert find_date_line(" date 2023-02-28 NATO has entered") is None


@given(st.text(max_size=80))
def test_find_date_never_crashes_and_matches_a_substring(text):
    found = find_date(text)
    if found is not None:
        value, matched = found
        assert matched in text
        assert isinstance(value, datetime.date)
        assert 1900 <= value.year <= 2100


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31)))
def test_every_valid_date_round_trips_in_each_format(date):
    for text in (
        date.isoformat(),
        date.strftime("%d.%m.%Y"),
        date.strftime("%B %d, %Y"),
        date.strftime("%d %b %Y"),
        date.strftime("%Y/%m/%d"),
    ):
        assert find_date(text)[0] == date, text
