"""统一社会信用代码 (unified social credit code) check digit, per GB 32100-2015."""

from __future__ import annotations

from operator import mul

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # I, O, Z, S, V are never used
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_INDEX = {ch: i for i, ch in enumerate(CHARSET)}
_ALLOWED = frozenset(CHARSET)


def _check_number(numbers) -> int:
    """GB 32100-2015's check: the number of the 18th character, from the numbers of the
    first 17 (map/mul keep the loop in C: this runs once per record read)."""
    return (31 - sum(map(mul, numbers, _WEIGHTS)) % 31) % 31


def check_digit(first17: str) -> str:
    """The 18th character for the given first 17 (raises KeyError on a character outside the charset)."""
    return CHARSET[_check_number(map(_INDEX.__getitem__, first17))]


# byte -> the character's number in CHARSET, 255 for a byte outside it
_NUMBERS = bytes(_INDEX.get(chr(b), 255) for b in range(256))


def credit_code_problem(code: str) -> tuple[str, str] | None:
    """None if `code` is a valid code; otherwise (zh, en) saying what is wrong."""
    if len(code) == 18 and code.isascii():
        # the valid case, once per record read: the characters numbered in one C call
        numbers = code.encode("ascii").translate(_NUMBERS)
        if 255 not in numbers and numbers[17] == _check_number(numbers[:17]):
            return None
    if len(code) != 18:
        return (f"统一社会信用代码应为 18 位，这里是 {len(code)} 位", f"a credit code has 18 characters, this has {len(code)}")
    bad = [] if _ALLOWED.issuperset(code) else [ch for ch in code if ch not in _INDEX]
    if bad:
        return (f"统一社会信用代码含有不允许的字符“{bad[0]}”（只用数字和除 I、O、Z、S、V 外的大写字母）",
                f"the credit code contains '{bad[0]}', which is not allowed (digits and capitals except I, O, Z, S, V)")
    expected = check_digit(code[:17])
    if code[17] != expected:
        return (f"统一社会信用代码校验位错误：按 GB 32100-2015 应为“{expected}”，实际为“{code[17]}”",
                f"wrong check digit: GB 32100-2015 gives '{expected}', the code has '{code[17]}'")
    return None


def is_valid_credit_code(code: str) -> bool:
    return credit_code_problem(code) is None
