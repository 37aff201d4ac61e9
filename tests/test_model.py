"""The model on both databases: constraints, cascades, JSON and dates round-trip."""

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.models import (
    Asker,
    CaseRef,
    Inquiry,
    Organisation,
    Paragraph,
    ParagraphVersion,
    Question,
    Statistic,
    StatisticValue,
)


def _org(session: Session) -> Organisation:
    org = Organisation(key="o", municipality="Æbeltoft Kommune", name="Forvaltningen", esdh_systems=["F2", "SBSYS"],
                       letterhead={"farve": "#003366", "logo": "logo.svg"})
    session.add(org)
    session.commit()
    return org


def test_json_and_danish_text_round_trip(engine):
    with Session(engine) as session:
        org_id = _org(session).id
    with Session(engine) as session:
        org = session.get(Organisation, org_id)
        assert org.municipality == "Æbeltoft Kommune"
        assert org.esdh_systems == ["F2", "SBSYS"] and org.letterhead["farve"] == "#003366"


def test_keys_are_unique(engine):
    with Session(engine) as session:
        _org(session)
        session.add(Organisation(key="o", municipality="M", name="N"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_question_numbers_are_unique_per_inquiry_and_cascade(engine):
    with Session(engine) as session:
        org = _org(session)
        asker = Asker(name="A")
        session.add(asker)
        session.flush()
        inquiry = Inquiry(organisation_id=org.id, title="T", asker_id=asker.id, received_on=date(2024, 1, 2), deadline=date(2024, 1, 16))
        session.add(inquiry)
        session.flush()
        session.add_all([Question(inquiry_id=inquiry.id, number=1, text="Hvad?"),
                         CaseRef(inquiry_id=inquiry.id, position=1, system="F2", kind="sagsnummer", number="1")])
        session.commit()
        session.add(Question(inquiry_id=inquiry.id, number=1, text="Igen?"))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        session.delete(session.get(Inquiry, inquiry.id))
        session.commit()
        assert session.exec(select(Question)).all() == [] and session.exec(select(CaseRef)).all() == []


def test_paragraph_versions_and_statistic_periods_are_unique(engine):
    with Session(engine) as session:
        p = Paragraph(key="p")
        s = Statistic(key="s", label="L", source="S")
        session.add_all([p, s])
        session.flush()
        session.add_all([ParagraphVersion(paragraph_id=p.id, version=1, title="T", text="x", topics=["ME/CFS"]),
                         StatisticValue(statistic_id=s.id, period=date(2014, 2, 1), value=950)])
        session.commit()
        session.add(ParagraphVersion(paragraph_id=p.id, version=1, title="T", text="y"))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        session.add(StatisticValue(statistic_id=s.id, period=date(2014, 2, 1), value=951))
        with pytest.raises(IntegrityError):
            session.commit()


def test_foreign_keys_are_enforced(engine):
    with Session(engine) as session:
        session.add(Question(inquiry_id=424242, number=1, text="Hvad?"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_timestamps_come_back_aware_in_utc(engine):
    from datetime import datetime, timedelta, timezone

    copenhagen = timezone(timedelta(hours=1))
    with Session(engine) as session:
        org = Organisation(key="t", municipality="M", name="N", created_at=datetime(2024, 1, 2, 13, 0, tzinfo=copenhagen))
        session.add(org)
        session.commit()
        org_id = org.id
    with Session(engine) as session:
        created = session.get(Organisation, org_id).created_at
    assert created == datetime(2024, 1, 2, 12, 0, tzinfo=timezone.utc) and created.utcoffset() == timedelta(0)
