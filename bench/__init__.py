"""Benchmarks: figures printed from one run, never asserted by tests."""
