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
    ("postcode", {"postcode": "EB1 1AA"}),
    ("address", {"address_line": "12 Station Road"}),
    ("vehicle", {"registration": "CU57ABC"}),
]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _session_at_emissions(base_url: str) -> dict[str, str]:
    """A citizen part-way through: returns their cookie header and form token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    token = ""
    for page, answers in ANSWERS_TO_EMISSIONS:
        with opener.open(f"{base_url}{SERVICE}/{page}/") as response:
            token = TOKEN.search(response.read().decode()).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "version": "1", **answers})
        try:
            opener.open(f"{base_url}{SERVICE}/{page}/", data=body.encode())
        except urllib.error.HTTPError as redirect:
            if redirect.code != 302:
                raise
    with opener.open(f"{base_url}{SERVICE}/emissions/") as response:
        token = TOKEN.search(response.read().decode()).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return {"cookie": cookie, "token": token}


def citizen_paths(base_url: str, *, sessions: int = 32) -> dict[str, list[dict]]:
    """The requests for each measured path; answers rotate over many citizens' sessions."""
    citizens = [_session_at_emissions(base_url) for _ in range(sessions)]
    submission = json.dumps(
        {
            "version": 1,
            "declaration": True,
            "answers": {
                "postcode": "EB1 1AA",
                "address_line": "12 Station Road",
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
        "submission (API POST)": [
            {
                "method": "POST",
                "path": f"/api/v1/services/{SERVICE_PATH}/applications",
                "headers": {"Content-Type": "application/json"},
                "body": submission,
            }
        ],
    }
