"""The checks at submit (issue 23), each firing on a real letter of the question bank: the same figure stated
differently by a letter approved this year (after the bank corrected it), a small count of people typed in free
text and a series' small-number rule in every letter, and LIX with long sentences and words — informative, shown to
the drafter and the approver, never blocking; and from the other municipality, nothing of theirs."""

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.approval import readability
from app.approval import service as approval_service
from app.auth import service as auth_service
from app.bank.service import import_path
from app.config import Settings
from app.letters import service as letter_service
from app.letters.schemas import ApproveIn, LetterUpdate, SubmitIn
from app.library import statfill
from app.main import create_app
from app.models import Letter, Organisation, Statistic, User
from tests.conftest import PASSWORD, ROOT


def test_lix_is_the_documented_formula():
    short = readability.lix("Det er en kort tekst. Den er let at læse.")
    assert (short.words, short.sentences, short.long_words, short.value) == (10, 2, 0, 5)
    long = readability.lix("Beskæftigelsesforvaltningen behandler ansøgninger om kontanthjælp hurtigst muligt.")
    assert (long.words, long.sentences, long.long_words) == (7, 1, 5) and long.value == round(7 + 500 / 7)
    assert readability.long_words(long_text := "Beskæftigelsesforvaltningen svarer.") == ["Beskæftigelsesforvaltningen"]
    assert readability.long_sentences(long_text) == [] and readability.long_sentences(" ".join(["ord"] * 26) + ".")
    assert readability.lix("").value == 0 and readability.sentences("Første linje\nAnden linje") == ["Første linje", "Anden linje"]


def test_a_series_small_number_rule_is_how_every_letter_shows_it():
    s = statfill.Series("anbragte", "Anbragte børn", "børn", "DST", "year",
                        (statfill.Point(date(2024, 1, 1), 3.0), statfill.Point(date(2025, 1, 1), 12.0)),
                        suppress_below=5, suppressed_as="under 5")
    series = {"anbragte": s}
    assert statfill.fill("I 2024 var der [[anbragte@2024]] og i 2025 [[anbragte]].", series, date(2025, 6, 1)).text == \
        "I 2024 var der under 5 og i 2025 12."
    table = statfill.table(["anbragte"], series, date(2025, 6, 1))
    assert table is not None and table.rows == (("Anbragte børn (børn)", "under 5", "12"),)
    assert statfill.unpin(statfill.pin(series))["anbragte"].shown(3) == "under 5"  # kept through submit


def _people(session: Session) -> dict[tuple[str, str], int]:
    ids = {}
    for org in ("kk-bif", "aalborg-fb"):
        org_id = session.exec(select(Organisation.id).where(Organisation.key == org)).one()
        for role in ("drafter", "approver"):
            ids[org, role] = auth_service.add_user(session, username=f"{org}-{role}", role=role, name=f"{org} {role}",
                                                   organisation_id=org_id, password=PASSWORD).id
    return ids


def _letter(session: Session, key: str) -> Letter:
    return session.exec(select(Letter).where(Letter.key == key)).one()


def _add_text(session: Session, view, drafter: User, text: str) -> None:
    """A free-text block added under the first question of the letter, the other answers kept."""
    answers = [{"question_id": a.question_id, "blocks": [b.model_dump(exclude_none=True) for b in a.blocks]
                + ([{"text": text}] if n == 0 else [])} for n, a in enumerate(view.answers)]
    letter_service.update(session, letter_id=view.id, user=drafter,
                          data=LetterUpdate.model_validate({"version": view.version, "answers": answers}))


def _submit_and_approve(session: Session, letter_id: int, drafter: User, approver: User) -> None:
    approval_service.submit(session, letter_id=letter_id, data=SubmitIn(confirm_personal_data=True), user=drafter)
    version = letter_service.get(session, letter_id=letter_id, user=None).version
    approval_service.approve(session, letter_id=letter_id, data=ApproveIn(version=version), user=approver, timeout=60)


def test_the_same_figure_stated_otherwise_by_a_letter_approved_this_year_names_it(seeded, tmp_path):
    with Session(seeded) as session:
        people = _people(session)
        drafter, approver = session.get(User, people["aalborg-fb", "drafter"]), session.get(User, people["aalborg-fb", "approver"])
        notat = _letter(session, "aalborg-2014-13931-syg-i-aalborg-notat")
        _submit_and_approve(session, notat.id, drafter, approver)  # the bank's notat, as sent: 950 cases over 5 years
        sent = _letter(session, "aalborg-2014-13931-syg-i-aalborg-notat").check_findings
        assert sent is not None and not [f for f in sent if f["check"] == "same_figure"]  # its own figures agree
    # The bank corrects the figure (a re-import is how a corrected series arrives), and a correction is drafted.
    (tmp_path / "statistics").mkdir()
    source = (ROOT / "question_bank" / "statistics" / "aalborg-jobcenter.yaml").read_text(encoding="utf-8")
    assert "{period: 2014-02, value: 950}" in source
    (tmp_path / "statistics" / "aalborg-jobcenter.yaml").write_text(
        source.replace("{period: 2014-02, value: 950}", "{period: 2014-02, value: 961}"), encoding="utf-8")
    assert all(r.error is None for r in import_path(seeded, tmp_path))
    with Session(seeded) as session:
        drafter = session.get(User, people["aalborg-fb", "drafter"])
        correction = approval_service.correct(session, letter_id=notat.id, user=drafter)
        approval_service.submit(session, letter_id=correction.id, data=SubmitIn(confirm_personal_data=True), user=drafter)
        found = [f for f in session.get(Letter, correction.id).check_findings if f["check"] == "same_figure"]
    assert len(found) == 1 and "dette brev siger 961" in found[0]["message"]
    assert f"(brev {notat.id}, godkendt" in found[0]["message"] and "sagde 950" in found[0]["message"]
    assert "Sager i jobcentret med en varighed over 5 år, 2014-02" in found[0]["message"]


def test_a_number_typed_beside_a_series_that_the_series_does_not_hold_is_named(seeded):
    with Session(seeded) as session:
        people = _people(session)
        drafter = session.get(User, people["aalborg-fb", "drafter"])
        notat = _letter(session, "aalborg-2014-13931-syg-i-aalborg-notat")
        view = letter_service.get(session, letter_id=notat.id, user=drafter)
        _add_text(session, view, drafter, "I december 2009 var der 4.600 kontanthjælpssager, og i 2013 5.555.")
        approval_service.submit(session, letter_id=notat.id, data=SubmitIn(confirm_personal_data=True), user=drafter)
        found = [f["message"] for f in session.get(Letter, notat.id).check_findings if f["check"] == "same_figure"]
    # 4.600 is none of the series' values (4.579 in December 2009); 5.555 is one, and 2009 and 2013 are years.
    assert found == ["“4.600” står ved kontanthjælpssager i alt, men serien har 4.579 for december 2009 og intet tal på "
                     "4.600. Indsæt tallet fra biblioteket, eller ret det."]


def test_a_small_count_of_people_and_the_lix_are_shown_to_the_drafter_and_the_approver(seeded):
    with Session(seeded) as session:
        people = _people(session)
        drafter = session.get(User, people["kk-bif", "drafter"])
        brev = _letter(session, "kk-2023-8126-me-cfs-brev")
        view = letter_service.get(session, letter_id=brev.id, user=drafter)
        _add_text(session, view, drafter, "Det drejer sig om 3 borgere med ME, som har fået deres sag udskudt.")
        approval_service.submit(session, letter_id=brev.id, data=SubmitIn(confirm_personal_data=True), user=drafter)
        findings = session.get(Letter, brev.id).check_findings
    small = [f for f in findings if f["check"] == "small_number"]
    assert [(f["question"], f["message"][:13]) for f in small] == [(1, "“3 borgere”: ")] and "under 5" in small[0]["message"]
    lix = [f for f in findings if f["check"] == "lix"]
    assert len(lix) == len(view.answers) + 1 and lix[-1]["message"].startswith("Brevet som helhed: LIX ")
    assert all("(mål: højst 45)" in f["message"] for f in lix)
    assert any(f["check"] == "long_word" for f in findings)  # "beskæftigelsesindsatsen" and its like
    # Shown, not blocking: the letter went to the approver, and both see the same.
    app = create_app(Settings(database_url="sqlite://"), engine=seeded)
    for username, path in (("kk-bif-drafter", f"/breve/{brev.id}"), ("kk-bif-approver", f"/godkendelse/{brev.id}")):
        browser = TestClient(app, base_url="https://testserver")
        assert browser.post("/login", data={"username": username, "password": PASSWORD}).status_code == 200
        page = browser.get(path).text
        assert "Tjek ved indsendelsen" in page and "Små tal, spørgsmål 1:" in page and "Brevet som helhed: LIX" in page


def test_the_rule_and_the_letters_compared_are_the_municipalitys_own(seeded):
    with Session(seeded) as session:
        people = _people(session)
        # Aalborg's rule is "under 3": Copenhagen's letter is still held to 5, the default.
        stat = session.exec(select(Statistic).where(Statistic.key == "aalborg-kontanthjaelpssager")).one()
        stat.suppress_below = 3
        session.add(stat)
        session.commit()
        drafter = session.get(User, people["kk-bif", "drafter"])
        brev = _letter(session, "kk-2023-8126-me-cfs-brev")
        view = letter_service.get(session, letter_id=brev.id, user=drafter)
        _add_text(session, view, drafter, "Fire borgere har klaget.")
        approval_service.submit(session, letter_id=brev.id, data=SubmitIn(confirm_personal_data=True), user=drafter)
        findings = session.get(Letter, brev.id).check_findings
    assert [f["message"][:16] for f in findings if f["check"] == "small_number"] == ["“Fire borgere”: "]
    assert not [f for f in findings if f["check"] == "same_figure"]  # Aalborg's approved letters are not compared
