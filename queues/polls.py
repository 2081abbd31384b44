"""Polls answered 304 while nothing they show has changed, from versions that writes bump.

Every screen that polls (the hall's board, the supervisor's floor, the counter console, the
counter tablet, the citizen's phone page and the ticket API) tags its answer with an ETag:
the scope whose version it shows, that version, today's date, and the rest the answer
depends on (which poll, the language, the user or counter, and until when the copy lasts
where the screen changes with time by itself). A poll sends the tag back (If-None-Match);
while it is current the answer is a 304, given without reading the queue tables or
rendering anything.

Scopes are as fine as what their screens show:

- the office ("12"): the board and the floor, which show the whole hall;
- a service ("s34"): the phone page and the ticket API, which show one ticket, the people
  ahead of it in its service and the wait there;
- a counter ("c5"): its rating tablet, which shows the ticket the counter serves or has
  just finished;
- a counter and its services ("c5.s34.s35"): its console, which shows the counter's
  ticket and day, and the waiting lists of its services.

Each write that changes what a screen shows bumps those versions in its own transaction
(queues.store): a ticket's transition the office's and the service's and counter's it
concerns (queues.tickets), a rating likewise (feedback.ratings); a change to the office's
counters, services, staff, hours or devices every version of the office (queues.configure,
queues.hours, queues.devices). A call then re-renders the phones of one service, one
tablet and the consoles of that service's counters, not every screen of the office
(bench/province_load.py).
"""

import datetime as dt

from flask import Response, request
from sqlalchemy import bindparam, func, select

from onestop import clock
from onestop.extensions import db
from onestop.i18n import select_locale
from onestop.inputs import id_or_none
from onestop.models import Office
from queues import board_watch
from queues.models import BoardVersion, ServiceVersion, counter_service

# Built once, as the board's lookup by code (queues.board): this read is the whole cost of a 304.
VERSION_OF_SCOPE = {
    "": select(func.coalesce(BoardVersion.version, 0))
    .select_from(Office)
    .outerjoin(BoardVersion, BoardVersion.office_id == Office.id)
    .where(Office.id == bindparam("id"), Office.active.is_(True)),
    **{
        # No row yet (a service or counter that nothing has changed): None, so render.
        prefix: select(model.version)
        .join(Office, Office.id == model.office_id)
        .where(key == bindparam("id"), Office.active.is_(True))
        for model, key, _owner, prefix in board_watch.SCOPED
    },
}


# A counter's scope and its services': a longer one is nobody's tag, and costs a read each.
MAX_PARTS = 16


def _parsed(scope: str) -> tuple[str, int] | None:
    """("", office id), ("s", service id) or ("c", counter id); None if it names nothing."""
    prefix = scope[:1] if scope[:1] in VERSION_OF_SCOPE else ""
    id_ = id_or_none(scope[len(prefix) :])
    return (prefix, id_) if id_ is not None else None


def version_of(scope: str) -> str | None:
    """The version of an office ("12"), a service ("s34") or a counter ("c5") of an active
    office, or of several joined by "." ("c5.s34.s35", a console's), the versions joined
    likewise; None if any part names nothing. From the board watch where it has heard them,
    else read."""
    parts = scope.split(".")
    if len(parts) > MAX_PARTS:
        return None
    watch = board_watch.current()
    versions = []
    for part in parts:
        parsed = _parsed(part)
        if parsed is None:
            return None
        prefix, id_ = parsed
        heard = None
        if watch is not None:
            heard = watch.scoped_version(part) if prefix else watch.version_by_id(id_)
        if heard is None:
            heard = db.session.execute(VERSION_OF_SCOPE[prefix], {"id": id_}).scalar()
        if heard is None:
            return None
        versions.append(str(heard))
    return ".".join(versions)


def service_scope(service_id: int) -> str:
    return f"{board_watch.SERVICE_PREFIX}{service_id}"


def counter_scope(counter_id: int) -> str:
    return f"{board_watch.COUNTER_PREFIX}{counter_id}"


def etag(scope, version, *variant) -> str:
    """A poll's entity tag. With the day: yesterday's tickets leave every screen at midnight."""
    return "-".join([str(scope), str(version), clock.today().isoformat(), *map(str, variant)])


def language() -> str:
    return select_locale()


def lasting(tag: str, until: dt.datetime | None) -> str:
    """The tag of a copy that changes by itself at ``until`` (waits shown in whole minutes, a
    question open for a few minutes), or only with its version (None): ``unchanged(...,
    expiring=True)`` answers 304 to it until then. Each copy lasts from its own rendering, so
    a province's screens do not all render anew at the same second."""
    return f"{tag}-{int(until.timestamp()) if until is not None else 0}"


def current_etag(scope, *variant) -> str:
    """The tag of an answer about to be rendered, read before what the answer shows.

    ``scope``: an office id, or a service's or counter's scope ("s34", "c5"), or several
    joined by "." (version_of). Read in the
    session's transaction, so the tag is never newer than the answer: on SQLite the answer
    is read from the same snapshot, on PostgreSQL each later statement sees at least this
    version. An object loaded before and shown as it is must be read again.
    """
    versions = [
        db.session.execute(VERSION_OF_SCOPE[prefix], {"id": id_}).scalar() or 0
        for prefix, id_ in map(_parsed, str(scope).split("."))
    ]
    return etag(scope, ".".join(map(str, versions)), *variant)


# A counter's services with their versions, in one read: the scope and the versions agree.
_COUNTER_SERVICE_VERSIONS = (
    select(counter_service.c.service_id, func.coalesce(ServiceVersion.version, 0))
    .outerjoin(ServiceVersion, ServiceVersion.service_id == counter_service.c.service_id)
    .where(counter_service.c.counter_id == bindparam("id"))
    .order_by(counter_service.c.service_id)
)


def console_etag(counter_id: int, *variant) -> str:
    """The tag of a counter's console about to be rendered: its counter and its services
    ("c5.s34.s35"), read before what the console shows (current_etag).

    The counter's version first: an edit of its services bumps it, so services read
    after it can only be newer, and the next poll renders anew.
    """
    counter_version = VERSION_OF_SCOPE[board_watch.COUNTER_PREFIX]
    versions = [db.session.execute(counter_version, {"id": counter_id}).scalar() or 0]
    scopes = [counter_scope(counter_id)]
    for service_id, version in db.session.execute(_COUNTER_SERVICE_VERSIONS, {"id": counter_id}):
        scopes.append(service_scope(service_id))
        versions.append(version)
    return etag(".".join(scopes), ".".join(map(str, versions)), *variant)


def ticket_etag(ticket, *variant) -> str:
    """The tag of a ticket's page (phone, ticket API), then the ticket read again after it.

    Keyed on the ticket's service, read again with the ticket: if a transfer moved it
    meanwhile, the tag is read anew, so it names the service whose changes the page shows.
    """
    while True:
        service_id = ticket.service_id
        tag = current_etag(service_scope(service_id), *variant)
        db.session.refresh(ticket)
        if ticket.service_id == service_id:
            return tag


def _named_scope() -> tuple[str, str] | None:
    """(scope, version) that the client's tag names, while its office is active."""
    for tag in request.if_none_match.as_set():
        scope = tag.partition("-")[0]
        version = version_of(scope)
        if version is not None:
            return scope, version
    return None


def unchanged(
    *variant, office: tuple[int, int] | None = None, expiring: bool = False
) -> Response | None:
    """A 304 when the client's copy is still current, else None (then render, with tagged()).

    ``office`` is (id, version) when the URL names the office (board, floor). Otherwise the
    scope is the one the client's tag names: finding it from the URL (a ticket's token)
    would read the queue tables. A client that sends a tag of another page of its kind
    only keeps its own copy longer. ``expiring``: the page's tags are ``lasting()`` ones.
    """
    named = office or _named_scope()
    if named is None:
        return None
    current = etag(*named, *variant)
    if not expiring:
        return (
            tagged(Response(status=304), current)
            if request.if_none_match.contains(current)
            else None
        )
    now = clock.now().timestamp()
    for tag in request.if_none_match.as_set():
        copy, _, until = tag.rpartition("-")
        if copy == current and until.isdigit() and (until == "0" or now < int(until)):
            return tagged(Response(status=304), tag)
    return None


def tagged(response: Response, tag: str) -> Response:
    """The answer with its tag; every use asks the server again (no-cache) and may get a 304."""
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache"
    return response
