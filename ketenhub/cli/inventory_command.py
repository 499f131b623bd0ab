"""``ketenhub data-inventory``: the register of what the hub processes, as Markdown."""

from __future__ import annotations

from pathlib import Path

import click

from ketenhub.core.data_inventory import markdown
from ketenhub.data_folder import REGISTRY_FILE
from ketenhub.hub_folder import HubFolder
from ketenhub.hub_options import data_dir_option


@click.command(
    "data-inventory",
    help=f"""Print the register of processing as Markdown (the basis of a DPIA).

For every field of every event type: the kind of personal data it holds (the
personal_data property of its Avro schema), the roles that see it in their case view
(worked out from the need-to-know rules), and its retention category; then the
retention periods in force with their legal reasons, and the fields of the audit
records and views. The periods come from --data-dir/{REGISTRY_FILE} when the data folder
has its own registry, else from the registry shipped with the hub.
""",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the register to this file instead of standard output.",
)
@data_dir_option
def data_inventory(out: Path | None, data_dir: Path) -> None:
    """Print the register of processing (see the command's help text)."""
    text = markdown(HubFolder(data_dir).registry())
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        msg = f"cannot write the register to {out}: {exc.strerror}"
        raise click.ClickException(msg) from exc
    click.echo(f"wrote the register of processing to {out}")
