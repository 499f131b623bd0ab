"""The hub's two runtimes, siblings that never import each other: ``embedded`` (one process,
SQLite) and ``kafka`` (Kafka clients; its stream processors are the Faust app in ``streams``)."""
