"""A model's summary paragraph is used only when every number it states is a computed figure."""

from __future__ import annotations

import pytest

from og.core.narrative import unverified_numbers

COUNTS = (12, 5, 3.5, 1204, 0)
PERCENTS = (100, 42, 25)
NAMES = ("December 2026", "Order 2 samples", "Starter")


def check(paragraph: str) -> list[str]:
    return unverified_numbers(paragraph, counts=COUNTS, percents=PERCENTS, names=NAMES)


@pytest.mark.parametrize(
    "paragraph",
    [
        "In December 2026, 12 customers signed up and 5 finished in a median of 3.5 days.",
        "Twelve signed up; five finished, 42% of them reached 'Order 2 samples'.",
        "Of the 1,204 customers, 25 percent finished; no one was handed off.",
        "Starter customers took 3.50 days; zero paused, and 42 per cent ordered.",
        "Most customers stop before 'Order 2 samples'.",  # the digit is the step's name
        "A quarter of them stalled after the first email.",  # words without a figure
    ],
)
def test_a_paragraph_of_computed_figures_passes(paragraph: str) -> None:
    assert check(paragraph) == []


@pytest.mark.parametrize(
    ("paragraph", "invented"),
    [
        ("13 customers signed up.", ["13"]),
        ("Finishing took about 4 days.", ["4"]),
        ("Finishing took 3.6 days.", ["3.6"]),
        ("Sign-ups grew 30% on November.", ["30%"]),
        ("12% of them finished.", ["12%"]),  # 12 is a count, not a percentage
        ("Five percent finished.", ["Five percent"]),  # 5 is a count, not a percentage
        ("Half of them finished.", ["Half"]),  # 50 % was not computed
        ("Eleven signed up and twenty-one finished.", ["Eleven", "twenty-one"]),
        ("One customer finished.", ["One"]),
        # A date is numbers: 12 happens to be a figure, 2026 and 15 are not.
        ("By 2026-12-15, 12 had signed up.", ["2026", "15"]),
        ("Compared with 2025, sign-ups rose.", ["2025"]),
        ("Sign-ups rose 1,205 times.", ["1,205"]),
        ("It took 12,6 days.", ["6"]),  # a decimal comma: 12 is a figure, 6 is not
        ("Most finished by the 9th.", ["9th"]),
        ("One hundred customers signed up.", ["One hundred"]),
    ],
)
def test_an_invented_number_is_named(paragraph: str, invented: list[str]) -> None:
    assert check(paragraph) == invented


def test_the_months_name_may_appear_but_not_another_year() -> None:
    assert check("December 2026 was busy: 12 signed up.") == []
    assert check("December 2025 was busier.") == ["2025"]
