"""The personal-data check before submit."""

import pytest

from app.letters.personal_data import scan


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Borgeren har CPR 010203-1234.", [("cpr", "010203-1234")]),
        ("CPR 0102031234 uden bindestreg", [("cpr", "0102031234")]),
        ("Ny type uden modulus 11: 010107-0001", [("cpr", "010107-0001")]),
        ("Skudår: 290200-1234", [("cpr", "290200-1234")]),
        ("Ikke en dato: 310299-1234 eller 991299-1234", []),
        ("Skriv til anna.hansen@example.dk", [("email", "anna.hansen@example.dk")]),
        ("Ring 12 34 56 78 eller 3366 3366 eller +45 12345678", [("phone", "12 34 56 78"), ("phone", "3366 3366"), ("phone", "+45 12345678")]),
        ("Sagsnummer 2023-0211523, dokument 3199008, 5.555 sager i 2013 2014", []),
        ("Helt almindelig tekst om førtidspension.", []),
    ],
)
def test_scan(text, expected):
    assert [(f.kind, f.text) for f in scan(text)] == expected
