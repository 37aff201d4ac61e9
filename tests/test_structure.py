"""Who works where (issue 18): municipalities, units and memberships, and the migration that moved today's data in."""

from alembic import command
from sqlmodel import Session, select

from app.auth import service as auth_service
from app.migrate import alembic_config
from app.models import Membership, Municipality, Organisation, Unit, User


def test_the_bank_places_each_organisation_in_its_municipality_with_a_default_unit(seeded):
    with Session(seeded) as session:
        municipalities = {m.key: m.name for m in session.exec(select(Municipality))}
        places = {o.key: (session.get(Municipality, o.municipality_id).name, o.municipality)
                  for o in session.exec(select(Organisation))}
        units = {u.key: session.get(Organisation, u.organisation_id).key for u in session.exec(select(Unit))}
    assert municipalities == {"koebenhavns-kommune": "Københavns Kommune", "aalborg-kommune": "Aalborg Kommune"}
    assert all(name == printed for name, printed in places.values())
    assert units == {"kk-bif": "kk-bif", "aalborg-fb": "aalborg-fb"}


def test_a_user_of_an_organisation_is_a_member_of_its_unit_and_says_so(api, seeded):
    with Session(seeded) as session:
        org = session.exec(select(Organisation).where(Organisation.key == "aalborg-fb")).one()
        auth_service.add_user(session, username="arne", role="approver", name="Arne Lund Kristensen", organisation_id=org.id)
        token = auth_service.create_token(session, username="arne")
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["memberships"] == [{"unit": "aalborg-fb", "organisation": "aalborg-fb", "municipality": "Aalborg Kommune",
                                  "role": "approver"}]
    # The general test users work in both seed organisations (tests/conftest.py).
    assert {m["unit"] for m in api.get("/api/v1/me").json()["memberships"]} == {"kk-bif", "aalborg-fb"}


def test_the_migration_gives_everyone_the_access_they_had(seeded, database_url):
    """Rows from before 0012: a user of an organisation joins its unit; a user of none joins every unit."""
    with Session(seeded) as session:
        kk = session.exec(select(Organisation).where(Organisation.key == "kk-bif")).one()
        auth_service.add_user(session, username="kk-sara", role="drafter", name="Sara", organisation_id=kk.id)
        auth_service.add_user(session, username="overalt", role="admin", name="Alle steder")
    seeded.dispose()
    command.downgrade(alembic_config(database_url), "0011")
    command.upgrade(alembic_config(database_url), "head")
    with Session(seeded) as session:
        def units_of(username: str) -> list[tuple[str, str]]:
            user = session.exec(select(User).where(User.username == username)).one()
            return sorted((session.get(Unit, m.unit_id).key, m.role)
                          for m in session.exec(select(Membership).where(Membership.user_id == user.id)))
        assert units_of("kk-sara") == [("kk-bif", "drafter")]
        assert units_of("overalt") == [("aalborg-fb", "admin"), ("kk-bif", "admin")]
        assert {m.key for m in session.exec(select(Municipality))} == {"koebenhavns-kommune", "aalborg-kommune"}
        assert all(o.municipality_id is not None for o in session.exec(select(Organisation)))
