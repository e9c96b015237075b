"""ratelimit.take: the one throttle of posts and previews (counted first, atomically)."""

from __future__ import annotations

import uuid

from change_portal.core import ratelimit


def test_take_counts_within_the_limit_and_refuses_past_it_without_counting(app):
    key = f"test-take:{uuid.uuid4().hex}"
    limits = ratelimit.parse_limits("2/3600")
    assert ratelimit.take(key, limits) is None
    assert ratelimit.take(key, limits) is None
    wait = ratelimit.take(key, limits)
    assert wait is not None and 0 < wait <= 3600
    # The refused attempts were given back: still exactly two counted.
    assert ratelimit.take(key, limits) == ratelimit.retry_after(key, limits)
    ratelimit.reset(key)
    assert ratelimit.take(key, limits) is None
