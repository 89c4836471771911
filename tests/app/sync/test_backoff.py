"""Exponential backoff with full jitter: every delay within its bounds, spread out."""

from __future__ import annotations

import random

import pytest

from app.sync.backoff import Backoff


def test_ceiling_doubles_from_base_up_to_the_cap() -> None:
    backoff = Backoff(base_s=1.0, cap_s=300.0)
    assert [backoff.ceiling(n) for n in range(1, 11)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert backoff.ceiling(10_000) == 300.0  # a week-long outage does not overflow


@pytest.mark.parametrize("attempt", [1, 2, 5, 9, 10, 50])
def test_delays_stay_within_floor_and_ceiling_and_spread_out(attempt: int) -> None:
    backoff = Backoff(base_s=1.0, cap_s=300.0, floor_s=0.05, rng=random.Random(attempt))
    ceiling = backoff.ceiling(attempt)
    delays = [backoff.delay(attempt) for _ in range(2000)]
    assert all(0.05 <= d <= ceiling for d in delays)
    # Full jitter: the draws cover the range rather than bunching at the ceiling.
    assert min(delays) < 0.1 * ceiling + 0.05 and max(delays) > 0.9 * ceiling
    assert 0.4 * ceiling < sum(delays) / len(delays) < 0.6 * ceiling


def test_invalid_settings_and_attempts_are_refused() -> None:
    with pytest.raises(ValueError):
        Backoff(base_s=10.0, cap_s=1.0)
    with pytest.raises(ValueError):
        Backoff(floor_s=2.0, base_s=1.0)
    with pytest.raises(ValueError):
        Backoff().delay(0)
