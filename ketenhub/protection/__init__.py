"""Protecting personal data with the hub's keys: the subject key store, the protector, the key files.

Runtime-neutral: both runtimes, the connectors and the CLI use the same files in a data folder.
"""
