"""What a municipality's admin sets in the browser (issue 22): an organisation's deadline rule, new units, and
the sign-in with the municipality's identity provider with its group table. Each change is in the audit trail."""

import hashlib

from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.bank.schema import OrganisationDoc, SignInDoc
from app.errors import Conflict, Invalid, NotFound
from app.models import LetterheadLogo, Municipality, Organisation, Role, Unit, User, utcnow
from app.organisations import logos, structure
from app.policy import Action, access, where

DEADLINE_DAYS = (1, 250)  # working days, as the bank allows
CHASER_DAYS = (1, 30)


def managed_organisations(session: Session, by: User | None) -> list[Organisation]:
    """The organisations `by` is admin of, by name."""
    ids = where(access(session, by), Action.manage)
    query = select(Organisation).order_by(col(Organisation.municipality), col(Organisation.name))
    return list(session.exec(query if ids is None else query.where(col(Organisation.id).in_(ids))))


def managed_organisation(session: Session, key: str, by: User | None) -> Organisation:
    """The organisation named, if `by` is its admin; 404 otherwise, as for a key that does not exist."""
    found = next((o for o in managed_organisations(session, by) if o.key == key), None)
    if found is None:
        raise NotFound(f"no organisation {key!r}")
    return found


def managed_municipalities(session: Session, by: User | None) -> list[Municipality]:
    """The municipalities `by` is admin in."""
    ids = {o.municipality_id for o in managed_organisations(session, by)}
    return list(session.exec(select(Municipality).where(col(Municipality.id).in_(ids)).order_by(col(Municipality.name))))


def set_deadlines(session: Session, *, key: str, deadline_days: int, chaser_days: int, by: User | None) -> Organisation:
    """The organisation's deadline rule (working days to answer, which intake uses) and how often a late
    contribution is chased."""
    org = managed_organisation(session, key, by)
    for value, (low, high), field in ((deadline_days, DEADLINE_DAYS, "deadline_days"), (chaser_days, CHASER_DAYS, "chaser_working_days")):
        if not low <= value <= high:
            raise Invalid(f"{field} must be {low}–{high} working days", field=field)
    before = {"deadline_days": org.deadline_days, "chaser_working_days": org.chaser_working_days}
    org.deadline_days, org.chaser_working_days = deadline_days, chaser_days
    session.add(org)
    audit.record(session, actor=by.username if by else "cli", action="organisation.deadlines",
                 detail={"organisation": org.key, "before": before,
                         "after": {"deadline_days": deadline_days, "chaser_working_days": chaser_days}})
    session.commit()
    return org


def add_unit(session: Session, *, key: str, name: str, organisation_key: str, by: User | None) -> structure.UnitView:
    """A new unit of an organisation `by` is admin of."""
    org = managed_organisation(session, organisation_key, by)
    unit = structure.add_unit(session, key=key, name=name, organisation_id=org.id, lead=None)
    audit.record(session, actor=by.username if by else "cli", action="unit.add", detail={"key": key, "organisation": org.key})
    session.commit()
    return unit


def parse_groups(text: str) -> dict[str, list[dict[str, str]]]:
    """The group table as the page writes it, a line per group: "BIF-Sekretariat = kk-bif:drafter, kk-suf:viewer"."""
    groups: dict[str, list[dict[str, str]]] = {}
    for number, line in enumerate(text.splitlines()[:500], start=1):
        if not line.strip():
            continue
        group, sep, places = line.partition("=")
        pairs = [p.strip().split(":", 1) for p in places.split(",") if p.strip()]
        if not sep or not group.strip() or not pairs or any(len(p) != 2 or p[1].strip() not in Role.__members__ for p in pairs):
            raise Invalid(f"line {number}: write GROUP = unit:role, unit:role", field=f"groups.{number}")
        groups[group.strip()] = [{"unit": u.strip(), "role": r.strip()} for u, r in pairs]
    return groups


def set_sign_in(session: Session, *, municipality_key: str, values: dict | None, by: User | None) -> Municipality:
    """The municipality's identity provider and group table (None: local passwords only), as the bank has them."""
    m = next((m for m in managed_municipalities(session, by) if m.key == municipality_key), None)
    if m is None:
        raise NotFound(f"no municipality {municipality_key!r}")
    if values is None:
        sign_in = None
    else:
        try:
            sign_in = SignInDoc.model_validate(values).model_dump(exclude_none=True)
        except ValidationError as exc:
            field = ".".join(str(p) for p in exc.errors()[0]["loc"])
            raise Invalid(f"{field}: {exc.errors()[0]['msg']}", field=field) from exc
        units = set(session.exec(select(col(Unit.key)).join(Organisation, col(Organisation.id) == col(Unit.organisation_id))
                                 .where(col(Organisation.municipality_id) == m.id)))
        for group, places in sign_in["groups"].items():
            if unknown := [p["unit"] for p in places if p["unit"] not in units]:
                raise Invalid(f"{group}: no unit {unknown[0]!r} in {m.name}", field="groups")
    audit.record(session, actor=by.username if by else "cli", action="municipality.sign_in",
                 detail={"municipality": m.key, "before": m.sign_in, "after": sign_in})
    m.sign_in = sign_in
    session.add(m)
    session.commit()
    return m


ADDRESS = ("name", "unit", "street", "postcode", "city", "phone", "email", "web")


def checked(doc: dict, prefix: str = "") -> dict:
    """An organisation's fields checked as the bank checks them (OrganisationDoc), or a 422 naming the field."""
    try:
        return OrganisationDoc.model_validate(doc).model_dump(exclude={"key"})
    except ValidationError as exc:
        field = ".".join([prefix] * bool(prefix) + [str(p) for p in exc.errors()[0]["loc"]])
        raise Invalid(f"{field}: {exc.errors()[0]['msg']}", field=field) from exc


def add_organisation(session: Session, *, municipality_key: str, values: dict, by: User | None) -> Organisation:
    """A new forvaltning of a municipality `by` is admin in, with its default unit; `by` is its admin too."""
    m = next((m for m in managed_municipalities(session, by) if m.key == municipality_key), None)
    if m is None:
        raise NotFound(f"no municipality {municipality_key!r}")
    doc = checked({**values, "municipality": m.name})
    if session.exec(select(Organisation).where(col(Organisation.key) == values.get("key"))).first() is not None:
        raise Conflict(f"organisation {values.get('key')!r} exists already")
    org = Organisation(key=values["key"], **{k: v for k, v in doc.items() if k not in ("letterhead", "export")},
                       letterhead={}, export={})
    session.add(org)
    session.flush()
    structure.place(session, org)
    audit.record(session, actor=by.username if by else "cli", action="organisation.add",
                 detail={"organisation": org.key, "municipality": m.key})
    session.commit()
    return org


def set_letterhead(session: Session, *, key: str, values: dict, colour: str, by: User | None) -> Organisation:
    """The organisation's address block and colour, as its letters print them."""
    org = managed_organisation(session, key, by)
    current = {"key": org.key, "municipality": org.municipality, "deadline_days": org.deadline_days}
    doc = checked({**current, **values, "letterhead": {"colour": colour}})
    before = {k: getattr(org, k) for k in ADDRESS} | {"colour": (org.letterhead or {}).get("colour")}
    for k in ADDRESS:
        setattr(org, k, doc[k])
    org.letterhead = {**(org.letterhead or {}), "colour": doc["letterhead"]["colour"]}
    session.add(org)
    audit.record(session, actor=by.username if by else "cli", action="organisation.letterhead",
                 detail={"organisation": org.key, "before": before,
                         "after": {k: doc[k] for k in ADDRESS} | {"colour": doc["letterhead"]["colour"]}})
    session.commit()
    return org


def set_logo(session: Session, *, key: str, png: bytes | None, svg: bytes | None, by: User | None) -> LetterheadLogo:
    """The forvaltning's own logo, checked (app.organisations.logos); it replaces the one before."""
    org = managed_organisation(session, key, by)  # first: another municipality's forvaltning is not found
    if png is None:
        raise Invalid("a PNG is needed", field="png")
    png, svg = logos.check_png(png), logos.check_svg(svg) if svg else None
    logo = session.get(LetterheadLogo, org.id) or LetterheadLogo(organisation_id=org.id, png=png)
    logo.png, logo.svg, logo.uploaded_at = png, svg, utcnow()
    session.add(logo)
    audit.record(session, actor=by.username if by else "cli", action="organisation.logo",
                 detail={"organisation": org.key, "png_sha256": hashlib.sha256(png).hexdigest(),
                         "svg_sha256": hashlib.sha256(svg).hexdigest() if svg else None})
    session.commit()
    return logo
