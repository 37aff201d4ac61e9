"""The e-mail parser on both seeds and on messy pasted mail."""

import pytest
import yaml

from app.inquiries.parsing import parse_email
from tests.conftest import BANK, SEEDS


def _seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def _bank_questions(file: str) -> list[str]:
    doc = yaml.safe_load((BANK / "inquiries" / file).read_text(encoding="utf-8"))
    return [q["text"] for q in doc["inquiries"][0]["questions"]]


def test_copenhagen_numbered_questions_keep_their_quotes():
    seed = _seed("kk-beskaeftigelse-me-cfs-svar-2023.txt")
    pasted = seed[seed.index("Spørgsmål") : seed.index("Beskæftigelses- og Integrationsforvaltningens svar")]
    parsed = parse_email(pasted)
    assert [q.number for q in parsed.questions] == [1, 2, 3]
    first, second, third = (q.text for q in parsed.questions)
    assert first.startswith('"Hvordan forholder') and first.endswith("'ikke funktionsdygtig'?\"")
    assert second.endswith('gå ud over borgerens helbred?"')
    assert "Har man i forvaltningen generelt en kritisk tilgang" in second
    assert third.endswith('hvilken behandling tilbydes de borgere?"')
    assert parsed.intro == "Spørgsmål"


def test_aalborg_bullets_keep_the_members_bracketed_remark():
    questions = _bank_questions("aalborg-2014-syg-i-aalborg.yaml")
    mail = "Hej\n\nHer er spørgsmålene fra mødet med Syg i Aalborg:\n\n" + "\n".join(f"- {q}" for q in questions)
    mail += "\n\nVenlig hilsen\nSyg i Aalborg\nTlf. 12 34 56 78"
    parsed = parse_email(mail)
    assert [q.text for q in parsed.questions] == questions
    fifth = parsed.questions[4].text
    assert fifth.startswith("Lægeerklæringer, hvilken status har de?")
    assert fifth.endswith("[Det fik jeg vistnok svar på ved udvalgsrådet i dag: Lægeerklæringer har ingen status]")
    assert "Tlf." not in parsed.questions[-1].text


def test_aalborg_list_as_in_the_notat_with_blank_lines():
    seed = _seed("aalborg-notat-syg-i-aalborg-2014.txt")
    bullets = [line for line in seed.splitlines() if line.startswith("- ") and not line.startswith("- Jobcentrets")
               and not line.startswith("- Der var") and not line.startswith("- Byrådet")]
    parsed = parse_email("\n\n".join(bullets))
    assert len(parsed.questions) == 11
    assert parsed.questions[7].text.startswith("Hvor mange LANGE sager")


FORWARDED = """\
Hej sekretariat

Kan I besvare nedenstående inden fristen?

Mvh
Sara Sekretær
Beskæftigelses- og Integrationsforvaltningen

---------- Videresendt meddelelse ----------
Fra: Klaus Goldschmidt Henriksen <Klaus_Goldschmidt_Henriksen@kk.dk>
Sendt: torsdag den 11. maj 2023 14:32
Til: BIF Direktionen <direktion@bif.kk.dk>
Emne: SV: Spørgsmål om ventetider i jobcentret

Kære forvaltning

Jeg har følgende spørgsmål:

1) Hvor lang er ventetiden på en lægekonsulentvurdering
   i jobcentret i dag?

2) Hvor mange sager er udsat i rehabiliteringsteamet i 2022?

Jeg ser frem til jeres svar.

Med venlig hilsen
Klaus Goldschmidt Henriksen
Medlem af Borgerrepræsentationen
Tlf. 12 34 56 78
"""


def test_forwarded_mail_with_signatures_and_headers():
    parsed = parse_email(FORWARDED)
    assert [(q.number, q.text) for q in parsed.questions] == [
        (1, "Hvor lang er ventetiden på en lægekonsulentvurdering i jobcentret i dag?"),
        (2, "Hvor mange sager er udsat i rehabiliteringsteamet i 2022?"),
    ]
    assert parsed.title == "Spørgsmål om ventetider i jobcentret"
    assert parsed.asker_name == "Klaus Goldschmidt Henriksen"
    assert parsed.asker_email == "Klaus_Goldschmidt_Henriksen@kk.dk"
    assert str(parsed.received_on) == "2023-05-11"


def test_outlook_reply_with_quoted_lines_and_spoergsmaal_numbering():
    mail = """\
Tak, vi vender tilbage.

-----Oprindelig meddelelse-----
From: Anna Andersen [mailto:anna@example.dk]
Sent: Thursday, May 11, 2023 2:32 PM
To: Forvaltningen
Subject: RE: Spørgsmål til budget 2024

> Spørgsmål 1: Hvad koster ordningen om året?
> Spørgsmål 2: Hvor mange borgere bruger den?
> Baggrund: tallene skal bruges i budgetforhandlingerne.
>
> Spørgsmål 3:
> Hvornår evalueres ordningen?
>
> Vh Anna
"""
    parsed = parse_email(mail)
    assert [q.text for q in parsed.questions] == [
        "Hvad koster ordningen om året?",
        "Hvor mange borgere bruger den? Baggrund: tallene skal bruges i budgetforhandlingerne.",
        "Hvornår evalueres ordningen?",
    ]
    assert parsed.title == "Spørgsmål til budget 2024"
    assert parsed.asker_email == "anna@example.dk"
    assert parsed.asker_name == "Anna Andersen"
    assert str(parsed.received_on) == "2023-05-11"


def test_a_date_at_the_start_of_a_line_is_not_a_question_number():
    mail = "11. maj 2023 holdt vi møde.\n\n1. Hvad blev aftalt?\n2. Hvem følger op?\n"
    parsed = parse_email(mail)
    assert [q.text for q in parsed.questions] == ["Hvad blev aftalt?", "Hvem følger op?"]
    assert parsed.intro == "11. maj 2023 holdt vi møde."


def test_unnumbered_questions_fall_back_to_paragraphs_with_a_question_mark():
    mail = "Kære direktør\n\nHvor mange har fået førtidspension i 2022?\n\nHvordan er udviklingen siden 2019?\n\nTak\n"
    parsed = parse_email(mail)
    assert [q.text for q in parsed.questions] == [
        "Hvor mange har fået førtidspension i 2022?",
        "Hvordan er udviklingen siden 2019?",
    ]


@pytest.mark.parametrize("marker", ["1.", "1)", "(1)", "Spørgsmål 1:", "Spm. 1", "spørgsmål 1 -"])
def test_numbering_styles(marker):
    second = marker.replace("1", "2")
    parsed = parse_email(f"{marker} Første spørgsmål?\n{second} Andet spørgsmål?")
    assert [q.text for q in parsed.questions] == ["Første spørgsmål?", "Andet spørgsmål?"]


def test_empty_and_control_characters():
    assert parse_email("").questions == []
    parsed = parse_email("1. Hvad\x00 med\x07 det?\r\n2. Og\ud800 så?")
    assert [q.text for q in parsed.questions] == ["Hvad med det?", "Og så?"]
