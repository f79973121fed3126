"""Numbers: exact parsing, DynamoDB's limits, normalization, arithmetic and the order-preserving encoding."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from overcast.tables import numbers
from overcast.tables.comparison import compare, sort_key_bytes
from overcast.tables.errors import ValidationException
from overcast.tables.numbers import encode_number, normalize_number, to_decimal

MAX = "9.9999999999999999999999999999999999999E+125"
MIN = "1E-130"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1.50", "1.5"),
        ("1e2", "100"),
        ("1E+2", "100"),
        ("-0", "0"),
        ("0.000", "0"),
        ("+0e10", "0"),
        ("-12.3400", "-12.34"),
        ("00042", "42"),
        (".5", "0.5"),
        ("5.", "5"),
        ("1.5E2", "150"),
        ("123e-5", "0.00123"),
        ("+7", "7"),
        ("1" + "0" * 59, "1" + "0" * 59),
        ("1.00000000000000007629769841092E+50", "100000000000000007629769841092" + "0" * 21),
        (MIN, "0." + "0" * 129 + "1"),
        (MAX, "9" * 38 + "0" * 88),
    ],
)
def test_normalize_number_as_dynamodb_returns_it(text, expected):
    assert normalize_number(text) == expected


def test_to_decimal_is_exact():
    assert to_decimal("0.1") + to_decimal("0.2") == Decimal("0.3")
    digits38 = "1234567890123456789012345678901234567.8"
    assert to_decimal(digits38) == Decimal(digits38)
    assert numbers.NUMBER_CONTEXT.prec == 38


@pytest.mark.parametrize(
    "text", ["abc", "", " 1", "1 ", "1_000", "NaN", "Infinity", "-inf", "1e", "e5", "--1", "0x10", "1.2.3"]
)
def test_unparsable_numbers_are_rejected(text):
    with pytest.raises(ValidationException, match="The parameter cannot be converted to a numeric value"):
        to_decimal(text)


def test_non_string_numbers_are_rejected():
    with pytest.raises(ValidationException, match="cannot be converted to a numeric value: 5"):
        to_decimal(5)


def test_38_significant_digits_are_allowed_39_are_not():
    assert normalize_number("1" * 38) == "1" * 38
    assert normalize_number("0.000" + "9" * 38) == "0.000" + "9" * 38
    # trailing and leading zeros do not count
    assert normalize_number("000" + "1" * 38 + "000") == "1" * 38 + "000"
    with pytest.raises(ValidationException, match="more than 38 significant digits"):
        to_decimal("1" * 39)
    with pytest.raises(ValidationException, match="more than 38 significant digits"):
        to_decimal("1." + "0" * 37 + "1")


def test_magnitude_limits():
    assert to_decimal(MAX) > 0 and to_decimal("-" + MAX) < 0
    assert to_decimal(MIN) > 0 and to_decimal("-" + MIN) < 0
    for too_big in ["1E+126", "-1E+126", "10E+125"]:
        with pytest.raises(ValidationException, match="Number overflow"):
            to_decimal(too_big)
    for too_small in ["1E-131", "-0.9E-130", "0." + "0" * 130 + "1"]:
        with pytest.raises(ValidationException, match="Number underflow"):
            to_decimal(too_small)
    assert to_decimal("0E-500") == 0  # zero is fine at any exponent


def test_arithmetic_is_exact_and_checked():
    assert numbers.add("0.1", "0.2") == "0.3"
    assert numbers.subtract("1", "1.000") == "0"
    assert numbers.add("-5", "2.5") == "-2.5"
    assert numbers.add("1" * 38, "0") == "1" * 38
    with pytest.raises(ValidationException, match="more than 38 significant digits"):
        numbers.add("1" * 38, "0.1")
    with pytest.raises(ValidationException, match="Number overflow"):
        numbers.add(MAX, "1E+88")


def _random_number(rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 38))).lstrip("0") or "1"
    adjusted = rng.randint(-130, 125)
    exponent = adjusted - (len(digits) - 1)
    sign = rng.choice(["", "-"])
    return f"{sign}{digits}E{exponent}"


EDGE_CASES = [
    "0",
    "-0",
    "1",
    "-1",
    "10",
    "-10",
    "0.1",
    "-0.1",
    "1.2",
    "-1.2",
    "1.2001",
    "-1.2001",
    "1.20001",
    "-1.20001",
    "1.21",
    "-1.21",
    "99",
    "100",
    "101",
    "-99",
    "-100",
    "-101",
    "9.99",
    "-9.99",
    "1.000000001",
    "-1.000000001",
    MIN,
    "-" + MIN,
    MAX,
    "-" + MAX,
    "2E-130",
    "1E+125",
    "-1E+125",
    "1" * 38,
    "-" + "1" * 38,
    "0.5",
    "-0.5",
    "12",
    "120",
    "1200",
    "-12",
    "-120",
    "-1200",
    "0.01",
    "0.011",
    "-0.01",
    "-0.011",
]


def test_encoding_orders_exactly_like_decimals():
    rng = random.Random(20240601)
    texts = EDGE_CASES + [_random_number(rng) for _ in range(4000)]
    # near-duplicates: the same leading digits, one more digit, same magnitude
    for _ in range(300):
        digits = str(rng.randint(1, 10**20))
        adjusted = rng.randint(-100, 100)
        for extra in ("", "0001", "1", "9", "99999"):
            mantissa = digits + extra
            sign = rng.choice(["", "-"])
            texts.append(f"{sign}{mantissa}E{adjusted - len(mantissa) + 1}")
    values = [to_decimal(t) for t in texts]
    encoded = [encode_number(v) for v in values]
    by_value = sorted(range(len(values)), key=lambda i: values[i])
    by_bytes = sorted(range(len(values)), key=lambda i: encoded[i])
    assert [values[i] for i in by_value] == [values[i] for i in by_bytes]
    # equal values <=> equal encodings
    for i in range(0, len(values), 7):
        for j in range(0, len(values), 13):
            assert (values[i] == values[j]) == (encoded[i] == encoded[j])


def test_encoding_of_equal_numbers_written_differently_is_equal():
    assert encode_number(to_decimal("1.50")) == encode_number(to_decimal("15E-1"))
    assert encode_number(to_decimal("-0")) == encode_number(to_decimal("0")) == b"\x02"
    assert encode_number(to_decimal("-1")) < encode_number(to_decimal("0")) < encode_number(to_decimal("1E-130"))


def test_sort_key_bytes_and_compare_agree_on_numbers():
    rng = random.Random(7)
    texts = EDGE_CASES + [_random_number(rng) for _ in range(500)]
    avs = [{"N": t} for t in texts]
    for a, b in zip(avs, avs[1:] + avs[:1]):
        c = compare(a, b)
        ka, kb = sort_key_bytes(a), sort_key_bytes(b)
        assert c == (ka > kb) - (ka < kb)
