"""Papers counted by kind of copy: received at intake (Mẫu 01) or asked for (Mẫu 02).

One validation for the officer's form and the JSON API: every entry is a name and three
counts (originals, certified copies, photocopies), each a whole number from 0 to
``MAX_COPIES``. An entry whose three counts are 0 was not handed in (or is not asked
for) and is dropped, so a checklist can post every component of a procedure.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from onestop.exceptions import ValidationError
from onestop.text import clean

MAX_COPIES = 99
MAX_NAME = 300
MAX_DOCUMENTS = 50
COUNT_FIELDS = ("originals", "certified_copies", "photocopies")


@dataclass(frozen=True)
class DocumentCount:
    name: str
    originals: int = 0
    certified_copies: int = 0
    photocopies: int = 0

    @property
    def total(self) -> int:
        return self.originals + self.certified_copies + self.photocopies


def _count(value) -> int | None:
    """A copy count from a form string or a JSON number; None when it is not one."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and clean(value).isdigit():
        number = int(clean(value))
    else:
        return None
    return number if 0 <= number <= MAX_COPIES else None


def parse_documents(entries: Iterable[Mapping], field: str = "documents") -> list[DocumentCount]:
    """Check a list of ``{name, originals, certified_copies, photocopies}`` entries.

    :returns: the entries with at least one copy, in the given order.
    :raises ValidationError: under ``field``, naming the first bad entry.
    """
    entries = list(entries)
    if len(entries) > MAX_DOCUMENTS:
        raise ValidationError({field: _("Tối đa %(n)d loại giấy tờ.", n=MAX_DOCUMENTS)})
    documents: list[DocumentCount] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            raise ValidationError({field: _("Giấy tờ thứ %(n)d không đúng dạng.", n=number)})
        name = " ".join(clean(str(entry.get("name") or "")).split())
        counts = [_count(entry.get(key)) for key in COUNT_FIELDS]
        if any(count is None for count in counts):
            raise ValidationError(
                {
                    field: _(
                        "Số bản của giấy tờ thứ %(n)d phải là số nguyên từ 0 đến %(max)d.",
                        n=number,
                        max=MAX_COPIES,
                    )
                }
            )
        if not any(counts):
            continue
        if not name:
            raise ValidationError({field: _("Ghi tên giấy tờ thứ %(n)d.", n=number)})
        if len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
            raise ValidationError({field: _("Tên giấy tờ tối đa %(max)d ký tự.", max=MAX_NAME)})
        if name.casefold() in seen:
            raise ValidationError({field: _("Giấy tờ “%(name)s” ghi hai lần.", name=name)})
        seen.add(name.casefold())
        documents.append(DocumentCount(name, *counts))
    return documents


def documents_from_form(form, prefix: str = "doc") -> list[dict]:
    """A checklist's rows, posted as parallel lists ``<prefix>_name``, ``<prefix>_originals``…"""
    if not hasattr(form, "getlist"):  # nothing posted yet (a page's first view)
        return []
    columns = [form.getlist(f"{prefix}_{key}") for key in ("name", *COUNT_FIELDS)]
    width = max((len(column) for column in columns), default=0)
    return [
        dict(
            zip(
                ("name", *COUNT_FIELDS),
                (column[i] if i < len(column) else "" for column in columns),
                strict=True,
            )
        )
        for i in range(width)
    ]
