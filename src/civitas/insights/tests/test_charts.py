"""Charts as SVG: the same figures draw the same bytes, text stays text, and nothing in
them needs an inline style or script the site's policy would block."""

import re

import pytest

from civitas.insights import charts, dashboard
from civitas.insights.published import publish
from civitas.insights.tests.factories_figures import a_forecast, busy_figures, quiet_figures


@pytest.fixture(autouse=True)
def _draw_afresh():
    charts._cached.cache_clear()
    yield
    charts._cached.cache_clear()


def _drawn(figures, forecast=None):
    return dashboard.drawn(dashboard.charts(publish(figures), forecast))


def test_the_same_figures_draw_the_same_svg(settings):
    first = [chart.svg for chart in _drawn(busy_figures(), a_forecast())]
    charts._cached.cache_clear()
    from django.core.cache import cache

    cache.clear()
    again = [chart.svg for chart in _drawn(busy_figures(), a_forecast())]
    assert first == again


def test_a_chart_keeps_its_text_as_text_and_names_itself_by_its_summary():
    for chart in _drawn(busy_figures(), a_forecast()):
        assert chart.svg.startswith(f'<svg role="img" aria-labelledby="{chart.chart_id}-summary" ')
        assert "<text" in chart.svg
        assert "<?xml" not in chart.svg
        assert "<!DOCTYPE" not in chart.svg


def test_a_chart_has_no_inline_style_and_its_ids_are_its_own():
    drawn = _drawn(busy_figures(), a_forecast())
    all_ids = []
    for chart in drawn:
        assert " style=" not in chart.svg
        assert "<style" not in chart.svg
        assert "<script" not in chart.svg
        ids = re.findall(r' id="([^"]+)"', chart.svg)
        assert all(i.startswith(f"{chart.chart_id}-") for i in ids)
        for reference in re.findall(r'(?:url\(#|href="#)([^")]+)', chart.svg):
            assert reference in ids
        all_ids += ids
    assert len(all_ids) == len(set(all_ids))


def test_a_hidden_count_is_a_gap_in_the_chart_and_a_word_in_its_table():
    channels = next(c for c in _drawn(quiet_figures()) if c.chart_id == "channels")
    # Online 21, post 2, phone 9: post is fewer than 5, phone withheld with it.
    assert channels.series[0][1] == (21.0, None, None)
    assert channels.table.rows == (
        ("Online", "21"),
        ("By post", "fewer than 5"),
        ("By phone", "withheld"),
        ("Total", "32"),
    )


def test_the_public_figures_have_no_weeks_and_the_dashboards_do():
    assert "weeks" not in [c.chart_id for c in _drawn(busy_figures())]
    exact = dashboard.charts(publish(busy_figures(), suppressed=False))
    assert exact[0].chart_id == "weeks"


def test_the_forecast_chart_gives_its_band_and_caseworker_hours():
    forecast = next(c for c in _drawn(busy_figures(), a_forecast()) if c.chart_id == "forecast")
    assert len(forecast.table.rows) == 12
    assert forecast.table.rows[0] == ("2026-12-07", "200", "170–230", "100.0")
    assert "caseworker hours" in forecast.summary


def test_a_chart_is_drawn_when_the_shared_cache_is_down(monkeypatch):
    class Down:
        def get(self, key):
            raise ConnectionError("no cache")

        def set(self, key, value, timeout):
            raise ConnectionError("no cache")

    monkeypatch.setattr(charts, "cache", Down())
    svg = charts.bar_chart("down", ["a", "b"], [5.0, 7.0], x_label="People")
    assert svg.startswith("<svg ")
