"""Benchmarks: each prints µs/op and ratios against a baseline measured in the same run."""
