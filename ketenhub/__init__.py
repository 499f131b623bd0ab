"""Ketenhub: an event-sourced integration hub for the chain partners of a trafficking approach."""

__version__ = "0.1.0"
