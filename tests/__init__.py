"""Catalyst's tests; ``tests.support`` holds what they share (a regular package, so that it wins over any
third-party ``tests`` package installed in the environment)."""
