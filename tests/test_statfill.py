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
