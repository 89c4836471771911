"""Retry delays: exponential backoff with full jitter.

Full jitter (a uniform draw between 0 and the exponential ceiling) spreads the resends
of many counters that lost the central store at the same moment, so they do not all
come back at the same instant when it returns.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backoff:
    base_s: float = 1.0
    cap_s: float = 300.0
    # A floor keeps a worker from spinning when the draw is close to 0.
    floor_s: float = 0.05
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 <= self.floor_s <= self.base_s <= self.cap_s:
            raise ValueError("backoff needs 0 <= floor <= base <= cap")

    def ceiling(self, attempt: int) -> float:
        """The largest delay after the `attempt`-th failed attempt (1-based)."""
        if attempt < 1:
            raise ValueError("attempt counts from 1")
        # min() before the power would overflow for a long outage: 2**attempt grows fast.
        exponent = min(attempt - 1, 64)
        return min(self.cap_s, self.base_s * 2.0**exponent)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th failed attempt: within [floor, ceiling]."""
        return max(self.floor_s, self.rng.uniform(0.0, self.ceiling(attempt)))
