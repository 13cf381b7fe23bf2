"""The catalogue refuses page ids that the journey's own pages use, so the list it checks
against must be every fixed address the journey has."""

from civitas.catalogue.public import BUILT_IN_PAGES
from civitas.journeys.urls import SERVICE, urlpatterns


def test_every_fixed_page_of_a_service_is_a_built_in_page_the_catalogue_refuses():
    fixed = {
        str(pattern.pattern).removeprefix(SERVICE).split("/")[0]
        for pattern in urlpatterns
        if str(pattern.pattern).startswith(SERVICE)
    } - {"", "<slug:page_id>"}
    assert fixed == set(BUILT_IN_PAGES)
