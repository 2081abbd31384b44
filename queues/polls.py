"""Polls answered 304 while nothing they show has changed, from the office's board version.

Every screen that polls (the hall's board, the supervisor's floor, the counter console, the
counter tablet, the citizen's phone page and the ticket API) tags its answer with an ETag: the
office, its board version, today's date, and the rest the answer depends on (which poll, the
language, the user or counter, the minute where the screen shows minutes passing by
themselves). A poll sends the tag back (If-None-Match); while it is current the answer is a
304, given without reading the queue tables or rendering anything.

One version per office serves every screen. Each write that changes what a screen shows bumps
it in its own transaction (queues.store.bump_board): ticket transitions (queues.tickets),
counter and service changes and officers signing in or out (queues.configure), the end of a day
(queues.hours), device pairing (queues.devices) and ratings (feedback.ratings). A finer key
(per counter for the tablet, per service for the phone page) would need a second bump in each
of those transactions, on the rows that ticket calls contend for, to spare a few renders: a
busy office writes a few times a minute, while its screens poll 20 to 30 times a minute each.
"""

from flask import Response, request
from sqlalchemy import bindparam, func, select

from onestop import clock
from onestop.extensions import db
from onestop.i18n import select_locale
from onestop.inputs import id_or_none
from onestop.models import Office
from queues import board_watch
from queues.models import BoardVersion

# Built once, as the board's lookup by code (queues.board): this read is the whole cost of a 304.
OFFICE_VERSION_BY_ID = (
    select(func.coalesce(BoardVersion.version, 0))
    .select_from(Office)
    .outerjoin(BoardVersion, BoardVersion.office_id == Office.id)
    .where(Office.id == bindparam("office_id"), Office.active.is_(True))
)


def version_of(office_id: int) -> int | None:
    """The board version of an active office; None if there is no such office."""
    watch = board_watch.current()
    heard = watch.version_by_id(office_id) if watch is not None else None
    if heard is not None:
        return heard
    return db.session.execute(OFFICE_VERSION_BY_ID, {"office_id": office_id}).scalar()


def etag(office_id: int, version: int, *variant) -> str:
    """A poll's entity tag. With the day: yesterday's tickets leave every screen at midnight."""
    return "-".join([str(office_id), str(version), clock.today().isoformat(), *map(str, variant)])


def language() -> str:
    return select_locale()


def minute() -> str:
    """The current local minute, for screens that show waits in whole minutes."""
    return clock.local_now().strftime("%H%M")


def current_etag(office_id: int, *variant) -> str:
    """The tag of an answer about to be rendered, read before what the answer shows.

    Read in the session's transaction, so the tag is never newer than the answer: on SQLite
    the answer is read from the same snapshot, on PostgreSQL each later statement sees at
    least this version. An object loaded before and shown as it is must be read again.
    """
    version = db.session.execute(OFFICE_VERSION_BY_ID, {"office_id": office_id}).scalar()
    return etag(office_id, version or 0, *variant)


def _named_office() -> tuple[int, int] | None:
    """(id, version) of the office that the client's tag names, while that office is active."""
    for tag in request.if_none_match.as_set():
        office_id = id_or_none(tag.partition("-")[0])
        version = version_of(office_id) if office_id is not None else None
        if version is not None:
            return office_id, version
    return None


def unchanged(*variant, office: tuple[int, int] | None = None) -> Response | None:
    """A 304 when the client's copy is still current, else None (then render, with tagged()).

    ``office`` is (id, version) when the URL names the office (board, floor). Otherwise the
    office is the one the client's tag names: finding it from the URL (a counter, a ticket's
    token) would read the queue tables. A client that names an office other than its page's
    only keeps its own copy longer.
    """
    office = office or _named_office()
    if office is None:
        return None
    tag = etag(*office, *variant)
    if not request.if_none_match.contains(tag):
        return None
    return tagged(Response(status=304), tag)


def tagged(response: Response, tag: str) -> Response:
    """The answer with its tag; every use asks the server again (no-cache) and may get a 304."""
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache"
    return response
