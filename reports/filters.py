"""What a report is about, read from a query string: office, children, period, filters, table, sort.

Every state of the dashboard is a URL; ``ReportRequest.query()`` writes the state back
into query parameters for links, exports and charts.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace

from flask_babel import gettext as _
from sqlalchemy import select

from onestop.exceptions import Forbidden, NotFound, ValidationError
from onestop.extensions import db
from onestop.inputs import id_or_none
from onestop.models import Office, User, office_subtree_ids, visible_office_ids
from queues.models import Counter, Service
from reports import periods
from reports.measures import Scope
from reports.periods import Period

TABS = ("offices", "services", "counters", "officers", "hours", "days", "waits", "overdue")
DEFAULT_PRESET = "month"


@dataclass(frozen=True)
class ReportRequest:
    """One state of the dashboard."""

    office: Office
    include_children: bool
    period: Period
    preset: str  # a key of periods.PRESETS, or "custom"
    service: Service | None = None
    counter: Counter | None = None
    officer: User | None = None
    tab: str = "offices"
    sort: str = ""
    descending: bool = False

    @property
    def scope(self) -> Scope:
        office_ids = (
            office_subtree_ids(self.office.id) if self.include_children else {self.office.id}
        )
        return Scope(
            frozenset(office_ids),
            service_id=self.service.id if self.service else None,
            counter_id=self.counter.id if self.counter else None,
            officer_id=self.officer.id if self.officer else None,
        )

    def query(self, **changes) -> dict:
        """The query parameters of this state with ``changes`` applied (None drops a filter)."""
        state = replace(
            self, **{k: v for k, v in changes.items() if k in self.__dataclass_fields__}
        )
        params = {
            "office": state.office.code,
            "scope": "tree" if state.include_children else "alone",
            "period": state.preset,
        }
        if state.preset == "custom":
            params["from"], params["to"] = (
                state.period.start.isoformat(),
                state.period.end.isoformat(),
            )
        for name in ("service", "counter", "officer"):
            entity = getattr(state, name)
            if entity is not None:
                params[name] = entity.id
        if state.tab != "offices":
            params["tab"] = state.tab
        if state.sort:
            params["sort"] = state.sort
            params["dir"] = "desc" if state.descending else "asc"
        return params


def _int(args: Mapping, name: str) -> int | None:
    return id_or_none(args.get(name))


def _office(args: Mapping, user: User) -> Office:
    code = (args.get("office") or "").strip().upper()
    office = db.session.scalar(select(Office).where(Office.code == code)) if code else user.office
    if office is None:
        raise NotFound(_("Không tìm thấy đơn vị %(code)s.", code=code))
    if office.id not in visible_office_ids(user):
        raise Forbidden(_("Bạn không có quyền xem báo cáo của đơn vị %(code)s.", code=office.code))
    return office


def _period(args: Mapping) -> tuple[Period, str]:
    """A preset, or a free range. The form sends the current preset with its dates filled in:
    dates that differ from the preset's are a free range the user typed."""
    key = (args.get("period") or "").strip()
    dates = args.get("from") or args.get("to")
    if key == "custom" or (not key and dates):
        return periods.parse_range(args.get("from"), args.get("to")), "custom"
    key = key or DEFAULT_PRESET
    if key not in dict(periods.PRESETS):
        raise ValidationError({"period": _("Kỳ báo cáo không hợp lệ.")})
    period = periods.preset(key)
    if dates:
        typed = periods.parse_range(args.get("from"), args.get("to"))
        if typed != period:
            return typed, "custom"
    return period, key


def _entity(model, entity_id: int | None, office_ids: set[int]):
    # A filter of another office (left over when the office was changed) is dropped, not an error.
    entity = db.session.get(model, entity_id) if entity_id is not None else None
    return entity if entity is not None and entity.office_id in office_ids else None


def parse(args: Mapping, user: User) -> ReportRequest:
    """Read a report request: 404 unknown office, 403 office out of scope, 422 bad dates."""
    office = _office(args, user)
    include_children = (args.get("scope") or "tree") != "alone"
    period, preset = _period(args)
    office_ids = office_subtree_ids(office.id) if include_children else {office.id}
    tab = args.get("tab") if args.get("tab") in TABS else "offices"
    sort = (args.get("sort") or "").strip()
    return ReportRequest(
        office=office,
        include_children=include_children,
        period=period,
        preset=preset,
        service=_entity(Service, _int(args, "service"), office_ids),
        counter=_entity(Counter, _int(args, "counter"), office_ids),
        officer=_entity(User, _int(args, "officer"), office_ids),
        tab=tab,
        sort=sort if sort.replace("_", "").isalnum() else "",
        descending=args.get("dir") == "desc",
    )
