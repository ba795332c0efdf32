"""Benchmarks: a national-network data set (`python -m bench.seed`) and the figures that matter at
the desk (`python -m bench.run`). Not part of the test suite; see bench/README.md."""
