"""The Kafka + Faust runtime: topics, agents and tables that drive the same pure core."""
