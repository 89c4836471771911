"""Operators' secrets as scrypt PHC strings (app.auth.secrets)."""

from __future__ import annotations

import re

import pytest

from app.auth.secrets import ScryptParameters, hash_secret, parse_hash, verify_secret

CHEAP = ScryptParameters(log2_n=10)


def test_the_hash_is_a_phc_string_with_its_parameters_and_a_fresh_salt() -> None:
    first, second = hash_secret("correct horse", CHEAP), hash_secret("correct horse", CHEAP)
    assert re.fullmatch(r"\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}", first)
    assert first != second  # another salt each time
    assert "correct horse" not in first
    parsed = parse_hash(first)
    assert parsed is not None and parsed[0] == CHEAP and len(parsed[1]) == 16 and len(parsed[2]) == 32


def test_the_default_cost_is_documented_and_verifies() -> None:
    phc = hash_secret("默认参数的口令")
    assert phc.startswith("$scrypt$ln=15,r=8,p=1$")
    assert verify_secret("默认参数的口令", phc)


def test_only_the_right_secret_verifies() -> None:
    phc = hash_secret("correct horse", CHEAP)
    assert verify_secret("correct horse", phc)
    for wrong in ("correct hors", "Correct horse", "correct horse ", ""):
        assert not verify_secret(wrong, phc)


@pytest.mark.parametrize("damaged", [
    "", "correct horse", "$scrypt$ln=10,r=8,p=1$abc", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
    "$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # too costly
    "$scrypt$ln=4,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # too cheap
])
def test_a_hash_that_is_not_ours_verifies_nothing(damaged: str) -> None:
    assert not verify_secret("correct horse", damaged)


def test_a_changed_hash_no_longer_verifies() -> None:
    phc = hash_secret("correct horse", CHEAP)
    flipped = phc[:-2] + ("A" if phc[-2] != "A" else "B") + phc[-1]
    assert not verify_secret("correct horse", flipped)


def test_an_empty_secret_is_never_hashed() -> None:
    with pytest.raises(ValueError):
        hash_secret("")
