"""Property: a ratio written as a decimal becomes exactly the fraction of the decimal
the user wrote, on the quick path (`_decimal_fraction`) as through `Fraction(text)`."""

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from policy_rules.quantities import _decimal_fraction, parse_ratio


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_the_quick_path_is_fraction_of_the_repr(value):
    text = repr(value)
    got = _decimal_fraction(text)
    assert got == Fraction(text) and type(got) is Fraction
    assert (got.numerator, got.denominator) == (Fraction(text).numerator, Fraction(text).denominator)


@given(st.integers(0, 10**6), st.integers(0, 9))
def test_percent_like_decimals(units, places):
    text = f"{units / 10 ** places!r}"
    assert _decimal_fraction(text) == Fraction(text)


def test_plan_ratios_are_exact():
    assert parse_ratio(0.025) == Fraction(1, 40)
    assert parse_ratio(0.1) == Fraction(1, 10)
    assert parse_ratio(1e-05) == Fraction(1, 100000)
    assert parse_ratio(0.0) == 0
