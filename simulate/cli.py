"""``flask --app wsgi simulate --days N`` (believable history) and ``flask --app wsgi reports
rebuild --from YYYY-MM-DD --to YYYY-MM-DD`` (the precomputed report totals of a range)."""

import click

from reports import rollup
from reports.simulate import simulate


@click.command("simulate")
@click.option(
    "--days",
    type=click.IntRange(1, 3700),
    required=True,
    help="How many days of history, up to yesterday.",
)
@click.option(
    "--offices",
    multiple=True,
    help="Office codes (repeat or separate with commas); default: all offices.",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Random seed: the same seed gives the same history.",
)
@click.option(
    "--scale",
    type=click.FloatRange(0.01, 100),
    default=1.0,
    show_default=True,
    help="Multiplies the number of citizens per office.",
)
def cli(days, offices, seed, scale):
    """Simulate tickets, dossiers, ratings and complaints of every office; build the rollups."""
    codes = [code.strip().upper() for value in offices for code in value.split(",") if code.strip()]
    with click.progressbar(length=days, label="Simulating days") as bar:
        summary = simulate(days, codes or None, seed=seed, scale=scale, progress=bar.update)
    if not summary.offices:
        raise click.ClickException("No office with services and counters to simulate.")
    click.echo(summary.line())


@click.command("rebuild")
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
