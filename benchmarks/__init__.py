"""Benchmark scripts: extraction quality and pipeline throughput, printed as figures."""
