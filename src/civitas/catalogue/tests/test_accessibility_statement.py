"""The accessibility statement has the sections the Public Sector Bodies (Websites and
Mobile Applications) (No. 2) Accessibility Regulations 2018 require, in English and Welsh,
and every page links to it."""

import re

import pytest

SECTIONS_EN = (
    "Compliance status",
    "Non-accessible content",
    "Reporting accessibility problems with this website",
    "Enforcement procedure",
    "Preparation of this accessibility statement",
)
SECTIONS_CY = (
    "Statws cydymffurfio",
    "Cynnwys nad yw'n hygyrch",
    "Rhoi gwybod am broblemau hygyrchedd gyda'r wefan hon",
    "Gweithdrefn orfodi",
    "Paratoi'r datganiad hygyrchedd hwn",
)


def _headings(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", heading).replace("&#39;", "'").strip()
        for heading in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)
    ]


def test_the_statement_has_every_required_section(client, db):
    html = client.get("/accessibility").content.decode()
    assert [h for h in _headings(html) if h in SECTIONS_EN] == list(SECTIONS_EN)
    assert "partially compliant" in html
    assert "WCAG 2.2 success criterion 1.1.1" in html  # each known problem names its criterion
    assert "Equality and Human Rights Commission (EHRC)" in html
    assert "Equality Commission for Northern Ireland (ECNI)" in html
    assert 'href="https://www.equalityadvisoryservice.com/"' in html
    assert "This statement was prepared on 2 December 2026" in html
    assert "last reviewed on" in html


def test_the_statement_is_in_welsh(client, db):
    client.get("/language/cy/?next=/")
    html = client.get("/accessibility").content.decode()
    assert '<html lang="cy"' in html
    assert [h for h in _headings(html) if h in SECTIONS_CY] == list(SECTIONS_CY)
    assert "Cydraddoldeb Gogledd Iwerddon (ECNI)" in html


@pytest.mark.parametrize("path", ["/", "/privacy", "/staff/sign-in", "/no/such/page/"])
def test_every_page_links_to_the_statement_in_its_footer(client, db, path):
    html = client.get(path).content.decode()
    footer = html[html.index('<footer class="govuk-template__footer">') :]
    assert '<a class="govuk-footer__link" href="/accessibility">' in footer
