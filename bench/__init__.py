"""`make bench`: throughput and latency as ratios to floors measured in the same run."""
