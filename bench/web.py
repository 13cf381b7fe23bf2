"""Citizen paths under load: start page, a question page, an answer, a submission."""

import datetime
import http.cookiejar
import json
import re
import urllib.parse
import urllib.request

SERVICE_PATH = "example-borough/resident-parking-permit"
SERVICE = f"/services/{SERVICE_PATH}"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
START = (datetime.date.today() + datetime.timedelta(days=5)).isoformat()
ANSWERS_TO_EMISSIONS = [
    (
        "address",
        {
            "address-step": "manual",
            "address-line-1": "12 Station Road",
            "address-town": "Eastbury",
            "address-postcode": "EB1 1AA",
        },
    ),
    ("vehicle", {"registration": "CU57ABC"}),
]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


STREET_PARTY = "/services/example-borough/street-party"
PARTY_DAY = datetime.date.today() + datetime.timedelta(days=60)
ANSWERS_TO_NEIGHBOURS = [
    ("organiser-name", {"first_name": "Sam", "last_name": "Organiser"}),
    (
        "organiser-address",
        {
            "organiser_address-step": "manual",
            "organiser_address-line-1": "12 Station Road",
            "organiser_address-town": "Eastbury",
            "organiser_address-postcode": "EB1 1AA",
        },
    ),
    ("email", {"email": "organiser@example.com"}),
    ("phone", {"phone": ""}),
    ("road", {"road_name": "Station Road"}),
    ("closure-section", {"closure_from": "Mill Lane", "closure_to": "Church Street"}),
    (
        "party-date",
        {
            "party_date-day": str(PARTY_DAY.day),
            "party_date-month": str(PARTY_DAY.month),
            "party_date-year": str(PARTY_DAY.year),
        },
    ),
    ("closure-times", {"closure_start": "10am", "closure_end": "6pm"}),
    ("people", {"expected_people": "80"}),
    ("activities", {"activities": "none"}),
    ("insurance", {}),
    ("neighbours/1", {"neighbour_name": "Alex Neighbour", "neighbour_house": "14"}),
    ("neighbours", {"add_another": "yes"}),
    ("neighbours/2", {"neighbour_name": "Jo Neighbour", "neighbour_house": "16"}),
]


def _session_through(
    base_url: str, service: str, steps: list[tuple[str, dict[str, str]]], at: str
) -> dict[str, str]:
    """A citizen who has answered `steps` and is on page `at`: their cookie header and
    form token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    token = ""
    for page, answers in steps:
        with opener.open(f"{base_url}{service}/{page}/") as response:
            token = TOKEN.search(response.read().decode()).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "version": "1", **answers})
        try:
            opener.open(f"{base_url}{service}/{page}/", data=body.encode())
        except urllib.error.HTTPError as redirect:
            if redirect.code != 302:
                raise
    with opener.open(f"{base_url}{service}/{at}/") as response:
        token = TOKEN.search(response.read().decode()).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return {"cookie": cookie, "token": token}


def _session_at_emissions(base_url: str) -> dict[str, str]:
    return _session_through(base_url, SERVICE, ANSWERS_TO_EMISSIONS, "emissions")


def citizen_paths(base_url: str, *, api_key: str, sessions: int = 32) -> dict[str, list[dict]]:
    """The requests for each measured path; answers rotate over many citizens' sessions.
    Submissions through the API carry `api_key`, a key of the service's organisation."""
    citizens = [_session_at_emissions(base_url) for _ in range(sessions)]
    organisers = [
        _session_through(base_url, STREET_PARTY, ANSWERS_TO_NEIGHBOURS, "neighbours")
        for _ in range(sessions // 4)
    ]
    submission = json.dumps(
        {
            "version": 1,
            "declaration": True,
            "answers": {
                "address": "12 Station Road\nEastbury\nEB1 1AA",
                "registration": "CU57ABC",
                "co2_band": "B",
                "permit_months": "12",
                "start_date": START,
                "permits_in_household": "0",
                "has_blue_badge": "no",
                "email": "resident@example.com",
            },
        }
    )
    return {
        "service start page": [{"path": f"{SERVICE}/"}],
        "question page (GET)": [
            {"path": f"{SERVICE}/emissions/", "headers": {"Cookie": c["cookie"]}} for c in citizens
        ],
        # A page of typed answers is drawn for each visit: its form is not kept, as a
        # page of choices' is (docs/decisions/0022).
        "question page, typed answer (GET)": [
            {"path": f"{SERVICE}/vehicle/", "headers": {"Cookie": c["cookie"]}} for c in citizens
        ],
        "answer (POST)": [
            {
                "method": "POST",
                "path": f"{SERVICE}/emissions/",
                "headers": {
                    "Cookie": c["cookie"],
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                "body": urllib.parse.urlencode(
                    {"csrfmiddlewaretoken": c["token"], "version": "1", "co2_band": "B"}
                ),
            }
            for c in citizens
        ],
        "repeating group list (GET)": [
            {"path": f"{STREET_PARTY}/neighbours/", "headers": {"Cookie": c["cookie"]}}
            for c in organisers
        ],
        "cross-field check answer (POST)": [
            {
                "method": "POST",
                "path": f"{STREET_PARTY}/closure-times/",
                "headers": {
                    "Cookie": c["cookie"],
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                "body": urllib.parse.urlencode(
                    {
                        "csrfmiddlewaretoken": c["token"],
                        "version": "1",
                        "closure_start": "10am",
                        "closure_end": "6pm",
                    }
                ),
            }
            for c in organisers
        ],
        # The case made in the request (201): reported beside the accepted path.
        "submission, case made at once (API POST)": [
            {
                "method": "POST",
                "path": f"/api/v1/services/{SERVICE_PATH}/applications",
                "headers": {
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {api_key}",
                },
                "body": submission,
            }
        ],
        # Checked, kept and answered 202; a job makes the case (docs/decisions/0037).
        "submission (API POST, respond-async)": [
            {
                "method": "POST",
                "path": f"/api/v1/services/{SERVICE_PATH}/applications",
                "headers": {
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {api_key}",
                    "Prefer": "respond-async",
                },
                "body": submission,
            }
        ],
    }
