"""Every response says that no powerful browser feature may be used: pages, errors, the
API, static files and the health probe alike."""

import pytest

FEATURES_OFF = ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()")


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/", {}),
        ("/accessibility", {}),
        ("/staff/sign-in", {}),
        ("/no/such/page/", {}),
        ("/api/v1/services", {"Accept": "application/json"}),
        ("/api/v1/no-such-endpoint", {"Accept": "application/json"}),
        ("/static/platform/init.js", {}),
        ("/healthz", {}),
    ],
)
def test_every_response_turns_the_powerful_features_off(client, db, path, headers):
    response = client.get(path, headers=headers)
    policy = response["Permissions-Policy"]
    for feature in FEATURES_OFF:
        assert feature in policy
