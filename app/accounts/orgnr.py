"""Norwegian organisation numbers (organisasjonsnummer): 9 digits with a MOD11 check digit."""

from __future__ import annotations

WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def normalise(value: str) -> str:
    """Drop the spaces people type ("923 609 016" -> "923609016")."""
    return "".join(value.split())


def check_digit(first_eight: str) -> int | None:
    """The MOD11 check digit for eight digits, or None when no valid number exists."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, WEIGHTS, strict=True)) % 11
    digit = 11 - remainder
    if digit == 11:
        return 0
    if digit == 10:
        return None
    return digit


def is_valid(value: str) -> bool:
    value = normalise(value)
    if len(value) != 9 or not value.isdigit():
        return False
    return check_digit(value[:8]) == int(value[8])


def make(prefix: int) -> str:
    """A valid number from an 8-digit prefix (for demo data and tests)."""
    for candidate in range(prefix, prefix + 100):
        head = f"{candidate:08d}"[:8]
        digit = check_digit(head)
        if digit is not None:
            return head + str(digit)
    raise ValueError("no valid number near prefix")
