from hypothesis import given
from hypothesis import strategies as st

from app.accounts import orgnr


def test_known_numbers():
    # 984851006 is DNB Bank ASA in the Brønnøysund register; 944382038 has a valid MOD11 digit.
    assert orgnr.is_valid("944382038") is True
    assert orgnr.is_valid("984851006") is True
    assert orgnr.is_valid("984 851 006") is True


def test_rejects_wrong_check_digit_length_and_letters():
    assert orgnr.is_valid("984851007") is False
    assert orgnr.is_valid("98485100") is False
    assert orgnr.is_valid("9848510066") is False
    assert orgnr.is_valid("98485100a") is False
    assert orgnr.is_valid("") is False


@given(st.integers(min_value=10_000_000, max_value=99_999_000))
def test_made_numbers_validate_and_any_single_digit_change_is_caught(prefix):
    number = orgnr.make(prefix)
    assert orgnr.is_valid(number)
    last = int(number[-1])
    for wrong in {(last + d) % 10 for d in range(1, 10)}:
        assert not orgnr.is_valid(number[:-1] + str(wrong))
