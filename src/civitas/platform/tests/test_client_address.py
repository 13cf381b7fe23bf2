"""The client's address: REMOTE_ADDR unless the operator names their proxy's header."""

from civitas.platform.client_address import client_address


def test_a_forwarded_for_header_is_ignored_unless_the_operator_trusts_it(rf, settings):
    settings.CLIENT_ADDRESS_HEADER = ""
    request = rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_address(request) == "192.0.2.1"


def test_behind_a_trusted_proxy_the_entry_it_added_is_the_client(rf, settings):
    settings.CLIENT_ADDRESS_HEADER = "X-Forwarded-For"
    settings.CLIENT_ADDRESS_PROXY_COUNT = 1
    # The client wrote the first entry itself; the operator's proxy appended the last.
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert client_address(request) == "203.0.113.9"
    settings.CLIENT_ADDRESS_PROXY_COUNT = 2
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")
    assert client_address(request) == "203.0.113.9"


def test_an_ipv6_client_is_counted_by_its_network(rf):
    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    other = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert client_address(one) == client_address(other) == "2001:db8:1:2::/64"
    assert client_address(rf.get("/", REMOTE_ADDR="::ffff:192.0.2.1")) == "192.0.2.1"
