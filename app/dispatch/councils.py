"""A municipality's council lists (issue 23): the whole council and its committees, who gets a copy of an answer.
Kept by the municipality's admin as lines of "Navn <e-mail>"; the rules here, the page in app.web.council_pages."""

import re

from sqlmodel import Session, col, select

from app.audit import service as audit
from app.errors import Invalid, NotFound
from app.models import CouncilList, Municipality, User

MAX_MEMBERS, MAX_LINE = 200, 300
_LINE = re.compile(r"^(?P<name>[^<>,;]+?)\s*(?:[<,;]\s*(?P<email>[^<>\s,;]+@[^<>\s,;]+\.[^<>\s,;]+)\s*>?)?$")


def parse_members(text: str) -> list[dict]:
    """One member per line, "Navn <e-mail>", "Navn, e-mail" or just the name; a line that is neither is refused."""
    members: list[dict] = []
    for number, line in enumerate((raw.strip() for raw in text.splitlines()), start=1):
        if not line:
            continue
        match = _LINE.match(line[:MAX_LINE + 1]) if len(line) <= MAX_LINE else None
        if match is None:
            raise Invalid(f"line {number} is not 'Name <e-mail>'", field="members")
        members.append({"name": match["name"].strip(), "email": match["email"]})
    if not members or len(members) > MAX_MEMBERS:
        raise Invalid(f"a list has 1 to {MAX_MEMBERS} members", field="members")
    return members


def save(session: Session, *, municipality: Municipality, name: str, whole_council: bool, members: list[dict],
         by: User | None) -> CouncilList:
    """Create the list, or replace the one of that name; one list of a municipality is the whole council."""
    name = name.strip()[:200]
    if not name:
        raise Invalid("a list needs a name", field="name")
    found = session.exec(select(CouncilList).where(col(CouncilList.municipality_id) == municipality.id,
                                                   col(CouncilList.name) == name)).first()
    record = found or CouncilList(municipality_id=municipality.id, name=name)
    if whole_council:
        for other in session.exec(select(CouncilList).where(col(CouncilList.municipality_id) == municipality.id,
                                                            col(CouncilList.whole_council))):
            other.whole_council = False
            session.add(other)
    record.whole_council, record.members = whole_council, members
    session.add(record)
    audit.record(session, actor=by.username if by else "system", action="council_list.save",
                 detail={"municipality": municipality.key, "name": name, "members": len(members)})
    session.commit()
    return record


def delete(session: Session, *, municipality_ids: set[int], list_id: int, by: User | None) -> None:
    """Delete one of the municipality's lists; earlier dispatches keep the names they were copied to."""
    record = session.get(CouncilList, list_id)
    if record is None or record.municipality_id not in municipality_ids:
        raise NotFound(f"no council list with id {list_id}")
    session.delete(record)
    audit.record(session, actor=by.username if by else "system", action="council_list.delete",
                 detail={"name": record.name})
    session.commit()


def as_lines(record: CouncilList) -> str:
    """The members as the form shows them again."""
    return "\n".join(f"{m['name']} <{m['email']}>" if m.get("email") else m["name"] for m in record.members)
