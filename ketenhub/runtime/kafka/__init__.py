"""The Kafka runtime: settings, topics, clients, the sealing driver and the outbox; the Faust
agents that drive them are the app in ``streams``."""
