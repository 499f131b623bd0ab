"""A table's changelog record written with a batch's other outputs reads back as Faust's own."""

from __future__ import annotations

from pathlib import Path

import faust

from streams.tables import changelog_record


def test_a_changelog_record_holds_the_key_and_value_as_the_table_reads_them(
    tmp_path: Path,
) -> None:
    """The record's bytes load back, with the table's serializers, to the key and value kept."""
    app = faust.App("changelog-test", broker="kafka://127.0.0.1:1", datadir=str(tmp_path))
    table = app.Table("case-states", key_type=str, value_type=str, partitions=1)
    text = '{"case_id": "case-1", "sections": {"status": "\\"open\\""}}'

    record = changelog_record(table, 0, "case-1", text)

    assert record.topic == "changelog-test-case-states-changelog"
    assert record.partition == 0
    assert table.data["case-1"] == text
    loads_key, loads_value = app.serializers.loads_key, app.serializers.loads_value
    assert loads_key(str, record.key, serializer=table.key_serializer) == "case-1"
    assert loads_value(str, record.value, serializer=table.value_serializer) == text
