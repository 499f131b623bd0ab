"""The event contract: Avro schemas in schemas/avro and the typed models generated from them."""
