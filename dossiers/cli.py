"""``flask --app wsgi slip-form``: list the slips' form editions, or add a newer one."""

import click
from sqlalchemy import select

from dossiers.models import SLIP_FORMS, SlipForm
from dossiers.slips import add_slip_form
from onestop.exceptions import ValidationError
from onestop.extensions import db
from onestop.models import Office


@click.command("slip-form")
@click.option(
    "--form",
    type=click.Choice(SLIP_FORMS),
    help="Form number: 01 receipt, 02 supplement request, 03 rejection, 04 apology.",
)
@click.option(
    "--legal-basis",
    help='The line printed under the title, e.g. "Mẫu số 01 ban hành kèm theo Thông tư số …".',
)
@click.option("--valid-from", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--office", "office_code", help="Office code; default: every office.")
def cli(form, legal_basis, valid_from, office_code):
    """Without options: list the editions. With --form, --legal-basis, --valid-from: add one."""
    if form is None and legal_basis is None and valid_from is None:
        offices = dict(db.session.execute(select(Office.id, Office.code)).all())
        for edition in db.session.scalars(
            select(SlipForm).order_by(SlipForm.form, SlipForm.valid_from, SlipForm.id)
        ):
            where = offices.get(edition.office_id, "*")
            click.echo(f"{edition.form}  {edition.valid_from}  {where:8}  {edition.legal_basis}")
        return
    if form is None or not legal_basis or valid_from is None:
        raise click.UsageError("Give --form, --legal-basis and --valid-from together.")
    office = None
    if office_code:
        office = db.session.scalar(select(Office).where(Office.code == office_code.upper()))
        if office is None:
            raise click.ClickException(f"No office {office_code}.")
    try:
        add_slip_form(form, legal_basis, valid_from.date(), office)
    except ValidationError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"Form {form} from {valid_from:%d/%m/%Y}: {legal_basis}")
