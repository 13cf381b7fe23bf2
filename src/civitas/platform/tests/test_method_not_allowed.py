"""A method a route does not take is a 405 in the shape of every other error: a problem
document (RFC 9457) for the API, naming the methods it does take."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/performance/resident-parking-permit",
        "/api/v1/performance/resident-parking-permit.csv",
        "/api/v1/ledger/checkpoint",
        "/api/v1/ledger/promises/check",
        "/api/v1/ledger/tile/0/000",
    ],
)
def test_an_api_route_answers_another_method_with_a_problem(client, path):
    response = client.post(path, data=b"{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["title"]) == (405, "Method not allowed")
    allowed = response["Allow"]
    assert allowed in ("GET", "GET, HEAD")
    assert problem["detail"] == f"POST is not allowed here: use {allowed}"


def test_a_head_the_api_does_not_take_is_refused_without_a_body(client):
    response = client.head("/api/v1/services/example-borough/nothing/applications")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.content == b""


def test_a_page_answers_another_method_as_before(client):
    response = client.post("/performance/services/resident-parking-permit/")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("text/html")
