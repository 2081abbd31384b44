"""What a citizen is shown of an office and a ticket: priority groups, status, facts, links."""

from dataclasses import dataclass
from typing import NoReturn

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from onestop import clock
from onestop.exceptions import NotFound
from onestop.extensions import db
from onestop.models import Office
from queues import waiting
from queues.models import PRIORITY_REASONS, Ticket
from queues.tickets import PRIORITY_LABELS


@dataclass(frozen=True)
class PriorityGroup:
    reason: str
    label: str
    detail: str
    legal_basis: str


def _priority_details() -> dict[str, tuple[str, str]]:
    """Who each priority group is and the rule that grants it, in the request's language."""
    return {
        "elderly": (_("Công dân từ đủ 60 tuổi trở lên"), _("Luật Người cao tuổi năm 2009")),
        "disabled": (
            _("Người khuyết tật, người đi cùng hỗ trợ"),
            _("Luật Người khuyết tật năm 2010"),
        ),
        "pregnant": (_("Phụ nữ đang mang thai"), _("Quy chế hoạt động Bộ phận Một cửa")),
        "small_child": (
            _("Người đi cùng con nhỏ dưới 36 tháng tuổi"),
            _("Quy chế hoạt động Bộ phận Một cửa"),
        ),
        "merit": (
            _("Thương binh, bệnh binh, thân nhân liệt sĩ và người có công khác"),
            _("Pháp lệnh Ưu đãi người có công với cách mạng"),
        ),
    }


def priority_groups() -> list[PriorityGroup]:
    """The groups served first, each with the rule that grants it (domain.md section 1.2)."""
    details = _priority_details()
    return [
        PriorityGroup(reason, str(PRIORITY_LABELS[reason]), *details[reason])
        for reason in PRIORITY_REASONS
    ]


def priority_group(reason: str | None) -> PriorityGroup | None:
    """The group of a priority reason, or None for a normal ticket or an unknown reason."""
    # Most tickets have no priority: answer without translating the ten texts of the groups.
    if reason not in PRIORITY_REASONS:
        return None
    return PriorityGroup(reason, str(PRIORITY_LABELS[reason]), *_priority_details()[reason])


STATUS_WORDS = {
    "waiting": lazy_gettext("Đang chờ đến lượt"),
    "called": lazy_gettext("Đến lượt ông/bà"),
    "serving": lazy_gettext("Đang được phục vụ"),
    "done": lazy_gettext("Đã hoàn thành"),
    "no_show": lazy_gettext("Đã quá lượt"),
    "transferred": lazy_gettext("Đã chuyển sang dịch vụ khác"),
    "cancelled": lazy_gettext("Đã hủy"),
    "unserved": lazy_gettext("Chưa được phục vụ: bộ phận một cửa đã hết giờ làm việc"),
}
# Statuses after which nothing more happens to a ticket: the phone page stops polling.
FINAL_STATUSES = ("done", "cancelled", "unserved")


@dataclass(frozen=True)
class TicketFacts:
    """A ticket as its holder sees it; no officer's name, nothing personal."""

    ticket: Ticket
    number: str
    service_name: str
    status_words: str
    people_ahead: int | None
    eta_minutes: int | None
    counter_number: int | None
    priority: PriorityGroup | None

    @property
    def is_final(self) -> bool:
        return self.ticket.status in FINAL_STATUSES

    @property
    def expired(self) -> bool:
        """An unfinished ticket of an earlier day: numbers restart daily, so it is never called."""
        return not self.is_final and self.ticket.day < clock.today()

    @property
    def live(self) -> bool:
        """Whether the ticket can still change, so its page keeps refreshing."""
        return not self.is_final and not self.expired


def ticket_facts(ticket: Ticket, place: waiting.Place | None = None) -> TicketFacts:
    """Number, service, status words; for a waiting ticket also people ahead and estimated wait.

    ``place``, when the caller has it (the issuing transaction counted it), saves the reads.
    """
    if place is None and ticket.status == "waiting":
        place = waiting.place(ticket)
    ahead = place.people_ahead if place is not None else None
    eta = place.eta_minutes if place is not None else None
    return TicketFacts(
        ticket=ticket,
        number=ticket.display_number,
        service_name=ticket.service.name,
        status_words=str(STATUS_WORDS.get(ticket.status, ticket.status)),
        people_ahead=ahead,
        eta_minutes=eta,
        counter_number=ticket.counter.number if ticket.counter is not None else None,
        priority=priority_group(ticket.priority_reason),
    )


def office_or_404(code: str) -> Office:
    """The active office with this code (case-insensitive), or NotFound."""
    office = db.session.scalar(
        select(Office).where(Office.code == code.upper(), Office.active.is_(True))
    )
    return office if office is not None else _no_office(code)


def _no_office(code: str) -> NoReturn:
    raise NotFound(_("Không tìm thấy đơn vị %(code)s.", code=code))


def public_url(endpoint: str, **values) -> str:
    """An absolute URL for citizens' phones: PUBLIC_URL when set, else this request's host."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def citizen_links(office: Office) -> list[tuple[str, str, str]]:
    """(service endpoint, label, kiosk screen URL) of the other citizen services installed.

    Each opens in the kiosk's own layout (``kiosk.<screen>``), never the desktop page of the
    service: a kiosk has no back button, so every screen must lead home by itself.
    """
    wanted = [
        ("appointments.start", "kiosk.check_in", _("Có lịch hẹn")),
        ("dossiers.lookup", "kiosk.lookup", _("Tra cứu hồ sơ")),
        ("dossiers.catalogue", "kiosk.catalogue", _("Thủ tục hành chính")),
        ("feedback.kiosk_rate", "kiosk.rate", _("Đánh giá")),
        ("feedback.complaint_new", "kiosk.complaint", _("Phản ánh, kiến nghị")),
    ]
    return [
        (service, label, url_for(screen, office_code=office.code))
        for service, screen, label in wanted
        if service in current_app.view_functions
    ]
