"""Durations kept as histograms, so that a median or a 90th percentile over a year is
worked out from a few dozen counts rather than from every journey.

Buckets are log-spaced: bucket `n` holds durations from 2^(n/4) seconds up to the next
bucket's start, each about a fifth wider than the last, so a figure read from one is
within about 10% of the true value whether journeys take a minute or a month. Pure.
"""

import math
from collections.abc import Callable, Mapping

from civitas.insights.figures import Durations

BUCKETS_PER_DOUBLING = 4
LAST_BUCKET = 4 * 27  # 2^27 s is over four years: anything longer is counted there


def bucket_of(seconds: float) -> int:
    """The bucket a duration falls in; under a second counts in bucket 0."""
    if seconds < 1:
        return 0
    return min(LAST_BUCKET, int(math.log2(seconds) * BUCKETS_PER_DOUBLING))


def bucket_middle_seconds(bucket: int) -> float:
    """The value a bucket stands for: the geometric middle of its bounds."""
    return 2 ** ((bucket + 0.5) / BUCKETS_PER_DOUBLING)


def durations_from_buckets(counts: Mapping[int, int]) -> Durations:
    """The median and 90th percentile of durations counted by `bucket_of`."""
    return _from_histogram(counts, bucket_middle_seconds)


def durations_from_hours(counts: Mapping[int, int]) -> Durations:
    """The median and 90th percentile of durations counted in whole hours (`h` holds
    h hours up to h + 1), each standing for its middle."""
    return _from_histogram(counts, lambda hours: (hours + 0.5) * 3600)


def _from_histogram(counts: Mapping[int, int], value_of: Callable[[int], float]) -> Durations:
    total = sum(count for count in counts.values() if count > 0)
    if not total:
        return Durations()
    return Durations(
        count=total,
        median_seconds=_quantile(counts, total, 0.5, value_of),
        p90_seconds=_quantile(counts, total, 0.9, value_of),
    )


def _quantile(
    counts: Mapping[int, int], total: int, share: float, value_of: Callable[[int], float]
) -> float:
    # The nearest-rank quantile: the smallest value with at least `share` of all at or
    # below it.
    rank = max(1, math.ceil(share * total))
    seen = 0
    for key in sorted(counts):
        seen += max(0, counts[key])
        if seen >= rank:
            return round(value_of(key), 1)
    raise AssertionError("unreachable: rank is at most the total")
