"""Speed benchmarks (medians of repeated runs; never timed unit tests)."""
