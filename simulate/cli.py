"""``flask --app wsgi simulate --days N``: believable history of every office."""

import click

from simulate.history import simulate


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
