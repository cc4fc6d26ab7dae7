"""Benchmarks: extraction quality and pipeline throughput, measured on corpora nobody here wrote."""
