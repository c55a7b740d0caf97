"""Benchmarks (``make bench``): each ``bench_*.py`` module's ``run()`` returns a markdown section."""
