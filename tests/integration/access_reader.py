"""A hub reader on its own copy of the data folder, as on another machine, for the access-log tests.

Run as ``python -m tests.integration.access_reader SETTINGS_JSON NAME READS``: one SDK client of
the police named NAME takes READS snapshots of its views one after another, each recorded in
access.log before it is handed out, and prints the number of each snapshot it was handed.
"""

from __future__ import annotations

import sys

from connectors.sdk import PartnerClient
from connectors.sdk.kafka_transport import KafkaTransport
from ketenhub.runtime.kafka.settings import KafkaSettings


def main(settings_json: str, name: str, reads: int) -> None:
    """Take ``reads`` snapshots of the police's views as the client ``name``."""
    settings = KafkaSettings.model_validate_json(settings_json)
    with PartnerClient("police", KafkaTransport(settings), name=name) as police:
        for number in range(reads):
            assert police.snapshot(), "the police's views are empty"
            print(number, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
