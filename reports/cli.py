"""``flask --app wsgi reports rebuild --from YYYY-MM-DD --to YYYY-MM-DD``: the precomputed
report totals of a range."""

import click
from flask.cli import AppGroup

from reports import rollup

cli = AppGroup("reports", help="The reports' commands.")


@cli.command("rebuild")
@click.option(
    "--from",
    "start",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="First local date, YYYY-MM-DD (its whole month is rebuilt).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="Last local date, YYYY-MM-DD (its whole month, up to the last closed day).",
)
def rebuild(start, end):
    """Rebuild the precomputed report totals of a range and clear its stale marks.

    Run it nightly (for example over the last two months) and after bulk changes; reports
    stay correct without it, counting unbuilt and stale days live, only slower.
    """
    start, end = start.date(), end.date()
    if end < start:
        raise click.BadParameter("--to must not be before --from.", param_hint="--to")
    months = rollup.months_to_rebuild(start, end)
    with click.progressbar(length=len(months), label="Rebuilding months") as bar:
        result = rollup.rebuild(start, end, progress=bar.update)
    click.echo(result.line())
