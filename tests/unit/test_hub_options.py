"""The options that locate a hub take their KETENHUB_ variables from the one settings object."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from ketenhub.hub_options import (
    data_dir_option,
    kafka_option,
    model_option,
    required_kafka_option,
    sasl_password_option,
    setting_option,
    topic_prefix_option,
)
from ketenhub.runtime.kafka.settings import KafkaSettings


@click.command()
@data_dir_option
@kafka_option
@topic_prefix_option
@sasl_password_option
def show(
    data_dir: Path, bootstrap: str | None, topic_prefix: str, sasl_password: str | None
) -> None:
    """Print what the options resolved to."""
    click.echo(f"{data_dir}|{bootstrap}|{topic_prefix}|{sasl_password}")


@click.command()
@required_kafka_option
def needs_kafka(bootstrap: str) -> None:
    """Print the bootstrap address."""
    click.echo(bootstrap)


@click.command()
@required_kafka_option
@model_option(KafkaSettings, "ingest_partitions", "--ingest-partitions", type=int)
def worker(bootstrap: str, ingest_partitions: int | None) -> None:
    """Print the partitions of the settings a worker would run with (as ``ketenhub serve``)."""
    given = {} if ingest_partitions is None else {"ingest_partitions": ingest_partitions}
    click.echo(KafkaSettings(kafka_bootstrap=bootstrap, **given).ingest_partitions)


def _run(command: click.Command, args: list[str], env: dict[str, str]) -> click.testing.Result:
    """Run ``command`` with only the KETENHUB_ variables given."""
    clean = {name: None for name in _KETENHUB_NAMES} | env
    return CliRunner().invoke(command, args, env=clean)


_KETENHUB_NAMES = (
    "KETENHUB_DATA_DIR",
    "KETENHUB_KAFKA_BOOTSTRAP",
    "KETENHUB_TOPIC_PREFIX",
    "KETENHUB_SASL_PASSWORD",
    "KETENHUB_INGEST_PARTITIONS",
    "KETENHUB_CHECKPOINT_EVERY",
)


def test_a_flag_left_out_takes_the_setting_from_the_environment() -> None:
    """Without flags the values are the KETENHUB_ variables, read by the settings object."""
    env = {
        "KETENHUB_DATA_DIR": "from-env",
        "KETENHUB_KAFKA_BOOTSTRAP": "env:9092",
        "KETENHUB_TOPIC_PREFIX": "t-",
        "KETENHUB_SASL_PASSWORD": "synthetic-secret",
    }
    result = _run(show, [], env)
    assert result.output.strip() == "from-env|env:9092|t-|synthetic-secret"


def test_a_flag_given_wins_over_the_environment() -> None:
    """``--data-dir`` and ``--kafka`` override their variables; the rest still come from them."""
    env = {"KETENHUB_DATA_DIR": "from-env", "KETENHUB_KAFKA_BOOTSTRAP": "env:9092"}
    result = _run(show, ["--data-dir", "from-flag", "--kafka", "flag:9092"], env)
    assert result.output.strip() == "from-flag|flag:9092||None"


def test_without_flag_or_variable_the_defaults_apply() -> None:
    """No flag and no variable (or an empty one): the embedded hub in ``ketenhub-data``."""
    result = _run(show, [], {"KETENHUB_KAFKA_BOOTSTRAP": ""})
    assert result.output.strip() == "ketenhub-data|None||None"


def test_a_required_kafka_address_names_its_flag_and_variable() -> None:
    """A command that needs Kafka refuses to run without --kafka or KETENHUB_KAFKA_BOOTSTRAP."""
    result = _run(needs_kafka, [], {})
    assert result.exit_code == 2
    assert "--kafka" in result.output
    assert "KETENHUB_KAFKA_BOOTSTRAP" in result.output
    assert _run(needs_kafka, [], {"KETENHUB_KAFKA_BOOTSTRAP": "env:9092"}).output == "env:9092\n"


def test_help_shows_each_options_variable() -> None:
    """``--help`` names the variable (and default) behind each option."""
    shown = " ".join(_run(show, ["--help"], {}).output.split())  # undo the line wrapping
    assert "[env var: KETENHUB_DATA_DIR; default: ketenhub-data]" in shown
    assert "[env var: KETENHUB_KAFKA_BOOTSTRAP]" in shown


def test_a_worker_flag_fills_the_kafka_settings_which_read_the_rest() -> None:
    """A worker flag given is passed into KafkaSettings; one left out is read by the settings."""
    env = {"KETENHUB_KAFKA_BOOTSTRAP": "env:9092", "KETENHUB_INGEST_PARTITIONS": "3"}
    assert _run(worker, [], env).output == "3\n"
    assert _run(worker, ["--ingest-partitions", "5"], env).output == "5\n"
    assert _run(worker, [], {"KETENHUB_KAFKA_BOOTSTRAP": "env:9092"}).output == "1\n"


def test_the_checkpoint_cadence_is_one_setting_for_verify_and_the_kafka_worker() -> None:
    """KETENHUB_CHECKPOINT_EVERY fills ``verify --checkpoint-every`` and ``KafkaSettings`` alike."""

    @click.command()
    @setting_option("checkpoint_every", "--checkpoint-every", "cadence", type=int)
    def cadence(cadence: int) -> None:
        """Print the cadence a command runs with."""
        click.echo(cadence)

    env = {"KETENHUB_CHECKPOINT_EVERY": "7", "KETENHUB_KAFKA_BOOTSTRAP": "env:9092"}
    assert _run(cadence, [], env).output == "7\n"
    assert _run(cadence, [], {}).output == "64\n"
    assert _run(worker_cadence, [], env).output == "7\n"


@click.command()
@required_kafka_option
def worker_cadence(bootstrap: str) -> None:
    """Print the cadence of the settings a worker would run with."""
    click.echo(KafkaSettings(kafka_bootstrap=bootstrap).checkpoint_every)
