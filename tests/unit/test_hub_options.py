"""The options that locate a hub take their KETENHUB_ variables from the one settings object."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ketenhub.cli.main import cli
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
    "KETENHUB_TRUSTED_KEY",
    "KETENHUB_WRITER_WAIT_S",
    "KETENHUB_STATE_DIR",
    "KETENHUB_LOG_LEVEL",
    "KETENHUB_HTTP_HOST",
    "KETENHUB_HTTP_PORT",
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


@click.command()
@setting_option("writer_wait_s", "--wait", "wait_s", type=float)
@setting_option("trusted_key", "--trusted-key")
@setting_option("http_port", "--port", "port", type=int)
@setting_option("state_dir", "--state-dir", remember="state")
@click.pass_context
def every_setting(ctx: click.Context, wait_s: float, trusted_key: str | None, port: int) -> None:
    """Print the settings that used to be read by the command line alone."""
    click.echo(f"{wait_s}|{trusted_key}|{port}|{ctx.meta['state']}")


def test_the_command_lines_own_variables_are_settings_too() -> None:
    """--wait, --trusted-key, the HTTP port and --state-dir read their variables through the settings."""
    env = {
        "KETENHUB_WRITER_WAIT_S": "2.5",
        "KETENHUB_TRUSTED_KEY": "sha256:ab",
        "KETENHUB_HTTP_PORT": "9000",
        "KETENHUB_STATE_DIR": "state-from-env",
    }
    assert _run(every_setting, [], env).output == "2.5|sha256:ab|9000|state-from-env\n"
    given = ["--wait", "0", "--trusted-key", "pin", "--port", "1", "--state-dir", "s"]
    assert _run(every_setting, given, env).output == "0.0|pin|1|s\n"
    defaults = _run(every_setting, [], {"XDG_STATE_HOME": "/xdg"}).output
    assert defaults == "300.0|None|8080|/xdg/ketenhub\n"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("KETENHUB_WRITER_WAIT_S", "soon"),
        ("KETENHUB_WRITER_WAIT_S", "-1"),
        ("KETENHUB_HTTP_PORT", "70000"),
        ("KETENHUB_CHECKPOINT_EVERY", "abc"),
        ("KETENHUB_LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_variable_is_named_in_one_line_without_its_value(variable: str, value: str) -> None:
    """A variable its setting cannot take stops the command with a usage error naming it."""
    result = _run(every_setting, [], {variable: value})
    assert result.exit_code == 2
    assert f"invalid setting in the environment: {variable}:" in result.output
    assert value not in result.output.replace(variable, "")
    assert "Traceback" not in result.output


def test_the_real_command_line_reports_a_bad_variable_without_a_traceback(tmp_path: Path) -> None:
    """``ketenhub run`` with a bad KETENHUB_CHECKPOINT_EVERY: a one-line error, exit status 2."""
    env = {"KETENHUB_DATA_DIR": str(tmp_path), "KETENHUB_CHECKPOINT_EVERY": "abc"}
    result = _run(cli, ["run"], env)
    assert result.exit_code == 2, result.output
    assert "KETENHUB_CHECKPOINT_EVERY" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_log_level_takes_its_variable_in_any_case() -> None:
    """KETENHUB_LOG_LEVEL=debug is accepted like --log-level debug; LOUD is refused by name."""
    accepted = _run(cli, ["codes", "--help"], {"KETENHUB_LOG_LEVEL": "debug"})
    assert accepted.exit_code == 0, accepted.output
    refused = _run(cli, ["codes", "--help"], {"KETENHUB_LOG_LEVEL": "LOUD"})
    assert refused.exit_code == 2
    assert "KETENHUB_LOG_LEVEL" in refused.output
