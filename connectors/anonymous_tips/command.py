"""``ketenhub connector anonymous-tips``: import the tips Meld Misdaad Anoniem drops in a folder."""

from __future__ import annotations

from pathlib import Path

import click

from connectors.anonymous_tips.drop_folder import FileOutcome, import_folder
from connectors.console import HubAddress, hub_options, open_client, settle
from connectors.sdk.errors import ConnectorError
from ketenhub.core.partners import Role
from ketenhub.json_events import shown_key


class FilesRefused(ConnectorError):
    """Some tip files were refused; they wait in refused/ with their reasons."""

    def __init__(self, count: int, folder: Path) -> None:
        self.count, self.folder = count, folder
        super().__init__(
            f"{count} tip file(s) refused and moved to {folder / 'refused'}; "
            "each .reason.txt there says which tip and field broke which rule"
        )


@click.command("anonymous-tips")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--as",
    "partner",
    default="meld-misdaad-anoniem",
    show_default=True,
    metavar="PARTNER",
    help="The anonymous channel partner the tips are recorded as.",
)
@hub_options
def anonymous_tips(
    folder: Path, partner: str, data_dir: Path, bootstrap: str | None, topic_prefix: str
) -> None:
    """Import the anonymous tips in FOLDER as SignalReceived events (channel ANONYMOUS_TIP).

    Files are *.json (a list of tips) or *.csv (a header row, one tip per row, list cells
    separated by ';'), with the fields tip_id, received_at, exploitation_forms, area_code
    and optionally municipality_code, indicators, persons, description. The format is
    described in connectors/anonymous_tips/tip_format.py and the README ("Connecting a partner's systems").

    Reporter identity never enters the hub: reporter fields (reporter*, melder*, caller*,
    contact*, name, phone, e-mail, ...) are stripped as they are read, e-mail addresses and
    phone numbers in descriptions are removed, and only field names and counts are shown.
    Any other unknown field refuses the file. A refused file moves to FOLDER/refused/ with
    a .reason.txt and nothing of it is published.

    A file is imported whole: each tip's event id derives from the file's content and row,
    progress is kept in FOLDER/.ketenhub/ledger.jsonl, and an imported file is deleted. Run
    it again after a crash: it continues where it stopped and adds no duplicates.
    """
    with open_client(
        partner,
        HubAddress(data_dir, bootstrap, topic_prefix),
        "anonymous-tips",
        role=Role.ANONYMOUS_CHANNEL,
    ) as client:
        outcomes = import_folder(client, folder)
        for outcome in outcomes:
            click.echo(_line(outcome))
        if not outcomes:
            click.echo(f"no tip files in {folder}")
        settle(client, [r for o in outcomes for r in o.receipts])
    refused = sum(o.status == "refused" for o in outcomes)
    if refused:
        raise FilesRefused(refused, folder)


def _line(outcome: FileOutcome) -> str:
    if outcome.status == "refused":
        return f"{outcome.name}: REFUSED, moved to refused/: {outcome.reason}"
    if outcome.status == "already imported":
        return f"{outcome.name}: already imported earlier; removed from the folder"
    if outcome.status == "changed while read":
        return f"{outcome.name}: changed while it was read (still being written?); left for the next run"
    done = f"{outcome.name}: {outcome.status}, {outcome.tips} tip(s) stored"
    if outcome.status == "changed while imported":
        done += "; the file changed meanwhile, so it stays in the folder for the next run"
    if outcome.resumed_after:
        done += f" ({outcome.resumed_after} before the interruption, {outcome.sent} now)"
    if outcome.stripped_values:
        fields = ", ".join(shown_key(name) for name in outcome.stripped_fields)
        done += f"; stripped {outcome.stripped_values} reporter value(s) ({fields})"
    if outcome.redactions:
        done += (
            f"; removed {outcome.redactions} e-mail address(es)/phone number(s) from descriptions"
        )
    return done
