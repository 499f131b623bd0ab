"""Reading history back: log sources, verification, time travel, archives, the annual evaluation."""
