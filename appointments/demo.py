"""Demo bookings: the city office's services take appointments with a few seats per slot.

The wards keep the computed default (appointments.slots.default_seats).
"""

from sqlalchemy import select

from appointments.models import SlotCapacity
from onestop.extensions import db
from onestop.models import Office
from queues.models import Service

CITY_SEATS = 2


def seed() -> None:
    city = db.session.scalar(select(Office).where(Office.code == "VY"))
    if city is None:
        return
    for service in db.session.scalars(select(Service).where(Service.office_id == city.id)):
        db.session.add(SlotCapacity(service_id=service.id, seats=CITY_SEATS))
    db.session.commit()
