"""The question bank importer: both seeds complete, idempotent, and precise about bad files."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from app.bank.service import import_path
from app.library import service as library_service
from app.models import (
    Inquiry,
    Organisation,
    Paragraph,
    ParagraphVersion,
    Person,
    Question,
    QuestionParagraph,
    Statistic,
    StatisticValue,
)
from tests.conftest import BANK, ROOT


def _counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {t.name: session.exec(select(func.count()).select_from(t)).one() for t in SQLModel.metadata.sorted_tables}


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_both_seeds_are_in_the_bank(seeded):
    with Session(seeded) as session:
        orgs = {o.key: o for o in session.exec(select(Organisation))}
        assert orgs["kk-bif"].street == "Bernstorffsgade 17" and orgs["kk-bif"].esdh_systems == ["F2", "eDoc"]
        assert orgs["aalborg-fb"].city == "Aalborg"
        people = {p.name: p for p in session.exec(select(Person))}
        assert people["Henrik Lund"].title == "Administrerende direktør"
        assert "Arne Lund Kristensen" in people
        questions = {
            i.key: session.exec(select(func.count()).where(Question.inquiry_id == i.id)).one()
            for i in session.exec(select(Inquiry))
        }
        assert questions == {"kk-2023-8126-me-cfs": 3, "aalborg-2014-13931-syg-i-aalborg": 11}
        # Every question points at the paragraphs that answered it.
        unanswered = session.exec(
            select(Question.id).where(~Question.id.in_(select(QuestionParagraph.question_id)))
        ).all()
        assert unanswered == []
        assert session.exec(select(func.count()).select_from(Statistic)).one() == 5
        assert session.exec(select(func.count()).select_from(StatisticValue)).one() == 10


def test_seed_figures_fill_the_aalborg_paragraphs(seeded):
    with Session(seeded) as session:
        pid = session.exec(select(Paragraph.id).where(Paragraph.key == "aalborg-kontanthjaelpssager-udvikling")).one()
        out = library_service.get_paragraph(session, paragraph_id=pid, user=None)
    assert out.rendered_text.startswith(  # one of the notat's three bullets
        "- Der var pr. november 2013 (senest tilgængelige data i jobindsats.dk) 5.555 kontanthjælpssager, heraf 1.540 over 3 år."
    )
    assert "da der i december 2009 var 4.579 sager, hvoraf 819 sager var over 3 år." in out.rendered_text
    assert out.missing == []


def test_second_import_changes_nothing(seeded):
    before = _counts(seeded)
    reports = import_path(seeded, BANK)
    assert all(r.error is None for r in reports)
    assert sum(r.counts["created"] + r.counts["updated"] for r in reports) == 0
    assert _counts(seeded) == before


def test_edited_paragraph_becomes_a_new_version_and_old_answers_keep_theirs(seeded, tmp_path):
    source = (BANK / "paragraphs" / "kk-rehabilitering-og-me-cfs.yaml").read_text(encoding="utf-8")
    edited = source.replace(
        "Der er i Københavns Kommune i flere tilfælde bevilget førtidspension til personer med ME.",
        "Der er i Københavns Kommune i mange tilfælde bevilget førtidspension til personer med ME.",
    )
    assert edited != source
    reports = import_path(seeded, _write(tmp_path, "edit.yaml", edited))
    assert reports[0].error is None and reports[0].counts["updated"] == 1
    with Session(seeded) as session:
        p = session.exec(select(Paragraph).where(Paragraph.key == "kk-me-foertidspension-bevilget")).one()
        assert p.current_version == 2
        texts = session.exec(select(ParagraphVersion.text).where(ParagraphVersion.paragraph_id == p.id).order_by(ParagraphVersion.version)).all()
        assert "flere tilfælde" in texts[0] and "mange tilfælde" in texts[1]
        link = session.exec(select(QuestionParagraph).where(QuestionParagraph.paragraph_id == p.id)).one()
        assert link.paragraph_version == 1


def test_a_new_figure_updates_every_paragraph_using_it(seeded, tmp_path):
    _write(tmp_path, "new.yaml", """\
        statistics:
          - key: aalborg-sager-over-5-aar
            organisation: aalborg-fb
            label: Sager i jobcentret med en varighed over 5 år
            unit: sager
            source: Jobcentrets eget sagsbehandlingssystem
            values:
              - {period: 2016-02, value: 1012}
        """)
    assert import_path(seeded, tmp_path / "new.yaml")[0].error is None
    with Session(seeded) as session:
        pid = session.exec(select(Paragraph.id).where(Paragraph.key == "aalborg-sager-over-5-aar")).one()
        text = library_service.get_paragraph(session, paragraph_id=pid, user=None).rendered_text
    assert "i februar 2016 var 1.012 sager" in text and "I februar 2014 var der 950 sager" in text


BAD_FILES = {
    "syntax": ("paragraphs:\n  - key: a\n    title: [unclosed\n", 4, "not valid YAML"),
    "unknown field": ("paragraphs:\n  - key: ok-key\n    title: T\n    text: x\n    colour: red\n", 5, "paragraphs.0.colour"),
    "missing field": ("statistics:\n  - key: s\n    label: L\n", 2, "statistics.0.source"),
    "bad key": ("askers:\n  - key: Not A Key\n    name: X\n", 2, "askers.0.key"),
    "impossible date": (
        "inquiries:\n  - key: i\n    organisation: kk-bif\n    title: T\n    asker: klaus-goldschmidt-henriksen\n"
        "    received_on: 2023-02-30\n    questions: [{number: 1, text: 'Hvad?'}]\n", 6, "inquiries.0.received_on"),
    "unknown reference": (
        "people:\n  - key: p\n    organisation: kk-bif\n    name: P\n  - key: q\n    organisation: nowhere\n    name: Q\n",
        6, "no organisation with key 'nowhere'"),
    "unknown statistic": (
        "paragraphs:\n  - key: p1\n    title: T\n    text: Der er [[no-such-figure]] sager.\n", 4, "no statistic with key no-such-figure"),
    "duplicate key": ("askers:\n  - key: a1\n    name: A\n    name: B\n", 4, "appears twice"),
    "not a mapping": ("- just\n- a list\n", 1, "mapping of sections"),
    "empty": ("", 1, "empty"),
    "bad period": ("statistics:\n  - key: s2\n    label: L\n    source: S\n    values:\n      - {period: 2014-13, value: 1}\n",
                   6, "statistics.0.values.0.period"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_names_file_and_line_and_writes_nothing(seeded, tmp_path, case):
    body, line, fragment = BAD_FILES[case]
    # The good first entry in the file must not be written either.
    path = _write(tmp_path, "bad.yaml", body)
    before = _counts(seeded)
    [report] = import_path(seeded, path)
    assert report.error is not None
    assert report.error.line == line, str(report.error)
    assert fragment in str(report.error)
    assert str(report.error).startswith(f"{path}:{line}: ")
    assert _counts(seeded) == before


def test_files_are_retried_until_their_references_exist(engine, tmp_path):
    # Alphabetical order puts the paragraph file before the statistic it uses.
    _write(tmp_path, "a.yaml", "paragraphs:\n  - key: p\n    title: T\n    text: '[[s]] sager'\n")
    _write(tmp_path, "b.yaml", "statistics:\n  - key: s\n    label: L\n    source: S\n    values: [{period: 2020, value: 1}]\n")
    reports = import_path(engine, tmp_path)
    assert [r.error for r in reports] == [None, None]


def _besvar(args: list[str], database_url: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    exe = Path(sys.executable).with_name("besvar")
    return subprocess.run([str(exe), *args], env=env, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_import_exit_codes(database_url, tmp_path):
    ok = _besvar(["bank", "import", str(BANK)], database_url)
    assert ok.returncode == 0, ok.stderr
    assert "0 unchanged" in ok.stdout
    again = _besvar(["bank", "import", str(BANK)], database_url)
    assert again.returncode == 0 and " 0 new, 0 changed" in again.stdout
    bad = _write(tmp_path, "bad.yaml", "askers:\n  - key: a1\n    name: A\n    nmae: typo\n")
    result = _besvar(["bank", "import", str(bad)], database_url)
    assert result.returncode == 2
    assert f"{bad}:4: askers.0.nmae: Extra inputs are not permitted" in result.stderr


def test_a_municipalitys_sign_in_and_group_table_come_from_the_bank_and_a_bad_role_is_refused_at_its_line(seeded, tmp_path):
    """Issue 22: the identity provider's issuer, client id and group → unit/role table are bank data."""
    from app.models import Municipality

    good = _write(tmp_path, "login.yaml", """\
municipalities:
  - name: Aalborg Kommune
    sign_in:
      issuer: https://login.microsoftonline.com/aalborg/v2.0
      client_id: 11111111-2222-3333-4444-555555555555
      label: Microsoft Entra ID
      groups:
        FB-Jobcenter-Sekretariat: [{unit: aalborg-fb, role: drafter}]
""")
    assert import_path(seeded, good)[0].error is None
    with Session(seeded) as session:
        m = session.exec(select(Municipality).where(Municipality.name == "Aalborg Kommune")).one()
        assert m.sign_in["groups"] == {"FB-Jobcenter-Sekretariat": [{"unit": "aalborg-fb", "role": "drafter"}]}
    assert import_path(seeded, good)[0].counts["created"] + import_path(seeded, good)[0].counts["updated"] == 0
    bad = _write(tmp_path, "bad.yaml", good.read_text().replace("role: drafter", "role: borgmester"))
    error = import_path(seeded, bad)[0].error
    assert error is not None and error.line == 8 and "role" in str(error)
