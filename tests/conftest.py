"""Settings shared by every test: structured logs at WARNING, so test output stays readable."""

from ketenhub.observability import configure_logging

configure_logging("WARNING")
