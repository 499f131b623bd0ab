"""The wire format: Avro single-object encoding and CloudEvents (Kafka binary mode) headers."""
