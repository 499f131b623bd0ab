"""The hub's Avro writer for view records: the specification's encodings, and loud refusals."""

from __future__ import annotations

import datetime as dt
import enum

import pytest

from ketenhub.codec.avro_nodes import EnumNode, TimestampNode, long_bytes
from ketenhub.codec.views import encode_view
from ketenhub.contract import view_records as v
from ketenhub.errors import ContractError


@pytest.mark.parametrize(
    ("number", "encoded"),
    [
        *((0, "00"), (-1, "01"), (1, "02"), (-64, "7f"), (64, "8001")),
        *((1024, "8010"), (-1025, "8110")),
        *((2**63 - 1, "feffffffffffffffff01"), (-(2**63), "ffffffffffffffffff01")),
    ],
)
def test_longs_are_zigzag_varints(number: int, encoded: str) -> None:
    """Longs are written as the specification's zig-zag varints, at both ends of the range."""
    assert long_bytes(number).hex() == encoded


class Colour(enum.StrEnum):
    """An enum of a newer contract than its schema."""

    RED = "RED"
    GREEN = "GREEN"
    BLUE = "BLUE"


def test_an_enum_symbol_the_schema_lacks_is_refused_when_written() -> None:
    """A symbol the contract gained after the schema was released is named, not written wrongly;
    a schema symbol the class lacks stops the schema from compiling."""
    node = EnumNode("nl.example.Colour", Colour, ["RED", "GREEN"])
    assert node.write(Colour.GREEN) == b"\x02"
    with pytest.raises(ValueError, match=r"BLUE is no symbol of nl\.example\.Colour"):
        node.write(Colour.BLUE)
    with pytest.raises(ContractError, match="PURPLE"):
        EnumNode("nl.example.Colour", Colour, ["RED", "PURPLE"])


def test_a_naive_time_is_refused() -> None:
    """A time without a UTC offset is never written as if it were UTC."""
    with pytest.raises(TypeError):
        TimestampNode().write(dt.datetime(2025, 1, 1))  # noqa: DTZ001  # the naive time refused


def test_a_role_record_of_the_wrong_kind_is_refused() -> None:
    """A view's content is one of the role records; anything else is refused by type."""
    wrong = v.CaseView("case-1", ("COORDINATOR",), v.ResearchFindings((), ()))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="union of"):
        encode_view(wrong)
