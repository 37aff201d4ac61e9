"""An asker sits on one municipality's council: the same name in another municipality is someone else."""

from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from app.migrate import alembic_config
from app.models import Asker, Inquiry, Organisation
from tests.documents import docx_text


def _inquiry(api, organisation: str, asker: dict) -> dict:
    body = {"title": "Ventetider", "asker": asker, "received_on": "2024-12-02", "organisation": organisation,
            "questions": [{"text": "Hvor lang er ventetiden?"}]}
    r = api.post("/api/v1/inquiries", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_the_same_name_in_another_municipality_is_someone_else(api):
    kk = _inquiry(api, "kk-bif", {"name": "Anne Testesen", "role": "MB", "email": "anne@kk.dk"})
    aalborg = _inquiry(api, "aalborg-fb", {"name": "Anne Testesen", "role": "byrådsmedlem"})
    assert kk["asker"]["id"] != aalborg["asker"]["id"]
    assert aalborg["asker"]["email"] is None and aalborg["asker"]["role"] == "byrådsmedlem"
    letter = api.post("/api/v1/letters", json={"inquiry_id": aalborg["id"], "kind": "brev"}).json()
    assert "anne@kk.dk" not in docx_text(api.get(f"/api/v1/letters/{letter['id']}/document.docx").content)
    # Within one municipality she is the same person, whichever of its inquiries she sends.
    again = _inquiry(api, "kk-bif", {"name": "Anne Testesen", "email": "ANNE@kk.dk"})
    assert again["asker"]["id"] == kk["asker"]["id"]


def test_the_migration_splits_an_asker_matched_across_municipalities(api, seeded, database_url):
    """Rows from before: one asker holding inquiries from two councils becomes one asker per council."""
    kk = _inquiry(api, "kk-bif", {"name": "Anne Testesen", "role": "MB", "email": "anne@kk.dk"})
    aalborg = _inquiry(api, "aalborg-fb", {"name": "Anne Testesen"})
    with Session(seeded) as session:  # as the old matching left them
        session.exec(text("UPDATE inquiry SET asker_id = :a WHERE id = :i"), params={"a": kk["asker"]["id"], "i": aalborg["id"]})
        session.exec(text("DELETE FROM asker WHERE id = :a"), params={"a": aalborg["asker"]["id"]})
        session.commit()
    seeded.dispose()
    command.downgrade(alembic_config(database_url), "0008")
    command.upgrade(alembic_config(database_url), "head")
    with Session(seeded) as session:
        kk_asker = session.get(Asker, session.get(Inquiry, kk["id"]).asker_id)
        aalborg_asker = session.get(Asker, session.get(Inquiry, aalborg["id"]).asker_id)
        municipalities = dict(session.exec(select(Organisation.key, Organisation.municipality)).all())
    assert kk_asker.id != aalborg_asker.id and kk_asker.email == "anne@kk.dk" and aalborg_asker.email is None
    assert (kk_asker.municipality, aalborg_asker.municipality) == (municipalities["kk-bif"], municipalities["aalborg-fb"])
    assert aalborg_asker.name == "Anne Testesen"
