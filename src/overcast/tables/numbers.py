"""DynamoDB numbers: exact parsing, limits, normalization, arithmetic, order-preserving bytes.

DynamoDB numbers are decimal, exact, with at most 38 significant digits and a
magnitude of 1E-130 .. 9.9999999999999999999999999999999999999E+125 (or zero).
They are returned normalized: no exponent, no leading or trailing zeros, no
``-0`` ("1.50" -> "1.5", "1e2" -> "100", "-0" -> "0").
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow, Rounded, Underflow

from overcast.tables.errors import ValidationException

MAX_DIGITS = 38
MAX_ADJUSTED_EXPONENT = 125  # largest magnitude is < 1E+126
MIN_ADJUSTED_EXPONENT = -130  # smallest magnitude is 1E-130

#: The 38-digit context of DynamoDB numbers; any rounding or range error traps.
NUMBER_CONTEXT = Context(
    prec=MAX_DIGITS,
    Emax=MAX_ADJUSTED_EXPONENT,
    Emin=MIN_ADJUSTED_EXPONENT,
    traps=[InvalidOperation, Overflow, Underflow, Inexact, Rounded],
)
# Wide enough that adding or subtracting two valid numbers is always exact.
_EXACT = Context(prec=400, Emax=999_999, Emin=-999_999, traps=[InvalidOperation, Inexact, Rounded])

# Decimal() alone also accepts "NaN", "Infinity", "1_000" and surrounding spaces; DynamoDB does not.
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")

TOO_MANY_DIGITS = "Attempting to store more than 38 significant digits in a Number"
OVERFLOW = "Number overflow. Attempting to store a number with magnitude larger than supported range"
UNDERFLOW = "Number underflow. Attempting to store a number with magnitude smaller than supported range"


def significant_digits(value: Decimal) -> str:
    """The significant digits of ``value`` without leading or trailing zeros ("" for zero)."""
    if value.is_zero():
        return ""
    return "".join(map(str, value.as_tuple().digits)).lstrip("0").rstrip("0")


def check_decimal(value: Decimal) -> Decimal:
    """``value`` normalized, or ValidationException if DynamoDB cannot store it."""
    if value.is_zero():
        return Decimal(0)
    if len(significant_digits(value)) > MAX_DIGITS:
        raise ValidationException(TOO_MANY_DIGITS)
    adjusted = value.adjusted()
    if adjusted > MAX_ADJUSTED_EXPONENT:
        raise ValidationException(OVERFLOW)
    if adjusted < MIN_ADJUSTED_EXPONENT:
        raise ValidationException(UNDERFLOW)
    return value.normalize(_EXACT)


def to_decimal(text: object) -> Decimal:
    """Parse a wire number exactly; ValidationException if malformed or out of DynamoDB's range."""
    if not isinstance(text, str) or not _NUMBER_RE.match(text):
        raise ValidationException(f"The parameter cannot be converted to a numeric value: {text}")
    return check_decimal(Decimal(text))


def format_decimal(value: Decimal) -> str:
    """The wire form DynamoDB returns: plain notation, no trailing zeros, no ``-0``."""
    if value.is_zero():
        return "0"
    return format(value.normalize(_EXACT), "f")


def normalize_number(text: str) -> str:
    """``text`` as DynamoDB returns it ("1.50" -> "1.5", "1e2" -> "100", "-0" -> "0")."""
    return format_decimal(to_decimal(text))


def add(a: str, b: str) -> str:
    """``a + b`` exactly; ValidationException when the result cannot be stored."""
    return format_decimal(check_decimal(_EXACT.add(Decimal(a), Decimal(b))))


def subtract(a: str, b: str) -> str:
    """``a - b`` exactly; ValidationException when the result cannot be stored."""
    return format_decimal(check_decimal(_EXACT.subtract(Decimal(a), Decimal(b))))


def encode_number(value: Decimal) -> bytes:
    """An order-preserving byte string: ``encode(x) < encode(y)`` (bytewise) iff ``x < y``.

    Layout: a class byte (0x01 negative, 0x02 zero, 0x03 positive), then for
    non-zero values the adjusted exponent as 2 big-endian bytes (offset 0x8000),
    then the significant digits in pairs, each pair ``p`` (0..99, the last one
    padded with a 0 digit) as the byte ``p + 1``. Negative values invert the
    exponent and the digit bytes and end with 0xFF, so that a longer mantissa
    (larger magnitude) sorts before its own prefix.
    """
    if value.is_zero():
        return b"\x02"
    digits = significant_digits(value)
    if len(digits) % 2:
        digits += "0"
    pairs = [int(digits[i : i + 2]) + 1 for i in range(0, len(digits), 2)]
    exponent = value.adjusted() + 0x8000
    if value > 0:
        return b"\x03" + exponent.to_bytes(2, "big") + bytes(pairs)
    return b"\x01" + (0xFFFF - exponent).to_bytes(2, "big") + bytes(255 - p for p in pairs) + b"\xff"
