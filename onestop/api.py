"""The public JSON API of the shell: the list of offices."""

from flask import Blueprint, jsonify
from sqlalchemy import select

from onestop.extensions import csrf, db
from onestop.models import Office

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The API authenticates by bearer token or session; browsers' SameSite=Lax
# cookies are not sent on cross-site POSTs, so no CSRF token is asked here.
csrf.exempt(api_bp)


@api_bp.get("/offices")
def offices():
    rows = db.session.scalars(select(Office).where(Office.active.is_(True)).order_by(Office.id))
    return jsonify(
        [
            {
                "code": o.code,
                "name": o.name,
                "level": o.level,
                "parent": o.parent.code if o.parent else None,
            }
            for o in rows
        ]
    )
