"""The embedded backend: a durable local log in SQLite and the in-process runner."""
