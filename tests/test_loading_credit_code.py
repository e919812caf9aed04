"""The credit-code check the records loader applies, against GB 32100-2015 as printed."""

from hypothesis import given
from hypothesis import strategies as st

from shuangsuiji_core.credit_code import CHARSET, credit_code_problem

# the weights as printed in GB 32100-2015, table 2 (not derived the way the code derives them)
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def reference_check_digit(first17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


@given(st.text(alphabet=CHARSET, min_size=17, max_size=17), st.sampled_from(CHARSET))
def test_check_digit_matches_the_standard(first17, last):
    ok = reference_check_digit(first17)
    assert (credit_code_problem(first17 + last) is None) == (last == ok)


def test_contract_example_and_bad_inputs():
    assert credit_code_problem("91130534MA0A1B2C3X") is None
    zh, en = credit_code_problem("91130534MA0A1B2C3Y")
    assert "“X”" in zh and "'X'" in en
    assert "18" in credit_code_problem("9113053")[0]
    assert "“I”" in credit_code_problem("91130534MA0A1B2CIX")[0]


@given(st.text(alphabet=CHARSET + "IOZSVa0 é\x00\xff", min_size=16, max_size=19))
def test_any_text_is_valid_exactly_when_the_standard_says(code):
    valid = len(code) == 18 and all(c in CHARSET for c in code) and code[17] == reference_check_digit(code[:17])
    assert (credit_code_problem(code) is None) == valid
