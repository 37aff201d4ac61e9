"""Filling statistics into text: selectors, attributes, Danish numbers, missing figures."""

from datetime import date

from app.library.statfill import Point, Series, fill, keys_in

S = Series(
    key="s", label="Sager i alt", unit="sager", source="jobindsats.dk", period_kind="month",
    points=(Point(date(2009, 12, 1), 4579), Point(date(2012, 2, 1), 1.5, source="eget system"), Point(date(2013, 11, 1), 5555)),
)


def test_selectors_and_attributes():
    text = "[[s]] ([[s.periode]], [[s.kilde]]); før [[s@-1]] [[s@-1.enhed]] fra [[s@-1.kilde]]; først [[s@første]]; [[ s@2009-12.periode ]]"
    out = fill(text, {"s": S}, date(2014, 3, 24))
    assert out.text == "5.555 (november 2013, jobindsats.dk); før 1,5 sager fra eget system; først 4.579; december 2009"
    assert [(u.period, u.value) for u in out.used] == [(date(2013, 11, 1), 5555), (date(2012, 2, 1), 1.5), (date(2009, 12, 1), 4579)]
    assert out.missing == [] and out.warnings == []


def test_as_of_hides_later_figures():
    assert fill("[[s]] [[s.periode]]", {"s": S}, date(2012, 12, 31)).text == "1,5 februar 2012"


def test_missing_figures_are_marked_not_invented():
    out = fill("[[s@-5]] og [[ukendt]] og [[s@2001-01]]", {"s": S}, date(2014, 1, 1))
    assert out.text == "[mangler tal: s@-5] og [mangler tal: ukendt] og [mangler tal: s@2001-01]"
    assert out.missing == ["[[s@-5]]", "[[ukendt]]", "[[s@2001-01]]"]
    assert fill("[[s]]", {"s": S}, date(2000, 1, 1)).missing == ["[[s]]"]


def test_template_syntax_is_only_ours():
    # Anything else in double braces or brackets is text, never evaluated.
    text = "{{ 7*7 }} [[S]] [[s.ukendt]] {% if %}"
    assert fill(text, {"s": S}, date(2014, 1, 1)).text == text
    assert keys_in("[[a]] [[b@-1.periode]] [[a.kilde]]") == {"a", "b"}


def test_table_of_series():
    from app.library.statfill import table, table_keys

    other = Series(key="o", label="Over 3 år", unit=None, source="jobindsats.dk", period_kind="month",
                   points=(Point(date(2009, 12, 1), 819), Point(date(2013, 11, 1), 1540)))
    assert table_keys("[[tabel: s, o]]") == ["s", "o"] and table_keys("Tekst [[tabel: s]]") is None
    assert keys_in("Før\n\n[[ tabel : s ,o ]]") == {"s", "o"}
    t = table(["s", "o", "ukendt"], {"s": S, "o": other}, date(2014, 3, 24))
    assert t.header == ("", "december 2009", "februar 2012", "november 2013")
    assert t.rows == (("Sager i alt (sager)", "4.579", "1,5", "5.555"), ("Over 3 år", "819", "–", "1.540"))
    assert t.source == "Kilde: jobindsats.dk"
    assert table(["s"], {"s": S}, date(2000, 1, 1)) is None
