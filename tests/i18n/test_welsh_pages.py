"""Key pages rendered in Welsh show none of the platform's English interface words: the
words come from the Welsh catalogue, the service's own texts from its definition."""

import textwrap
from html.parser import HTMLParser

import pytest
from django.test import Client

from civitas.cases.models import Case
from civitas.catalogue.public import publish_service_file
from civitas.catalogue.tests.memory import REPO
from civitas.catalogue.tests.test_model import SMALL
from civitas.ledger.models import Entry
from civitas.notify.models import Message

BULKY_WASTE = REPO / "services" / "bulky-waste-collection" / "service.yaml"
BULKY = "/services/example-borough/bulky-waste-collection"
SMALL_URL = "/services/example-borough/small"
ADDRESS = "collection_address"

# A text on its own (a button, a link, a heading) that is one of these is English left
# on a Welsh page.
ENGLISH_WORDS = {
    "Back",
    "Continue",
    "Change",
    "Yes",
    "No",
    "Remove",
    "Error",
    "There is a problem",
    "Find address",
    "Postcode",
    "Town or city",
    "Select an address",
    "Change postcode",
    "Enter the address manually",
    "Privacy notice",
    "Your rights",
    "Save and come back later",
    "Accept and send",
    "Decision",
    "Approve",
    "Refuse",
    "History",
    "Transparency log",
    "Sign out",
    "Cases",
    "Sent emails",
    "Entry",
    "None",
    "Submitted",
    "Approved",
    "Refused",
    "Queued",
    "Sending",
    "Sent",
    "Failed",
    "Application received",
    "Application submitted",
    "Decision made",
    "Applicant",
    "Caseworker",
    "Channel",
    "Outcome",
    "Status",
    "midday",
    "midnight",
}
# Longer English that may sit inside a text.
ENGLISH_PHRASES = (
    "addresses found for",
    "We will delete your answers",
    "You can enter up to",
    "Now send your application",
    "How we use your information",
    "is the data controller",
    "What to do next",
    "Check before you confirm",
    "will not be sent an email",
    "(version ",
    "Working for",
    "Signed in as",
    "not yet signed",
    "The entry as it is hashed",
    "Your answers have been saved",
    "Save your answers",
    "We have sent a link",
    "timed out",
    "This link",
    "Sign in",
    "security code",
    "We use 2 essential cookies",
    "We use the information you give us",
    "Web Content Accessibility Guidelines",
    "Page not found",
    "Give feedback",
    "What happens next",
    "How to check this yourself",
    "(online)",
    "staff member",
    "opened the application",
    "sent the application",
    "attempts",
    "Enter your email address",
    "Enter a correct email address",
    "Enter your password",
    "Enter the 6-digit code",
    "Select whether to approve",
    "Select the organisation",
    "Enter the reason for refusing",
    "Too many attempts",
    "characters too many",
    "characters remaining",
    "Approved by",
    "Refused by",
    "a.m.",
    "p.m.",
)
# The words GOV.UK Frontend's scripts and the time-out warning's script write come from
# the page's data-i18n attributes: on a Welsh page none of them may be English.
ENGLISH_IN_SCRIPT_TEXTS = ("You have", "character", "minute", "second", "We will delete")

HOUSEHOLD = """\
      - id: pets
        question: {id: has_pets, type: yes_no, label: {en: 'Any pets?', cy: 'Unrhyw anifeiliaid?'}}
      - id: household
        kind: repeat
        title: {en: Tell us about a household member, cy: Dywedwch wrthym am aelod o'r aelwyd}
        item: {en: household member, cy: aelod o'r aelwyd}
        min: 1
        max: 3
        questions:
          - {id: member_name, type: text, label: {en: Full name, cy: Enw llawn}}
      - id: email
"""


class _Texts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._skipping += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skipping -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.texts.append(" ".join(data.split()))


class _ScriptTexts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        for name, value in attrs:
            if name.startswith("data-i18n"):
                self.texts[name] = value or ""


def script_texts(html: str) -> dict[str, str]:
    """The texts a page hands its scripts to write, by attribute."""
    parser = _ScriptTexts()
    parser.feed(html)
    return parser.texts


def english_in(html: str) -> list[str]:
    """The English interface words among a page's texts."""
    parser = _Texts()
    parser.feed(html)
    words = [text for text in parser.texts if text.rstrip(":.") in ENGLISH_WORDS]
    phrases = [phrase for phrase in ENGLISH_PHRASES if phrase in " ".join(parser.texts)]
    scripts = [
        f"{name}={text!r}"
        for name, text in script_texts(html).items()
        if any(english in text for english in ENGLISH_IN_SCRIPT_TEXTS)
    ]
    return words + phrases + scripts


def english_left(response) -> list[str]:
    """The English interface words on a page that should be Welsh."""
    assert response.status_code in (200, 400, 403, 404, 429, 503), response.status_code
    html = response.content.decode()
    assert 'lang="cy"' in html
    return english_in(html)


@pytest.fixture
def welsh(client):
    assert client.get("/language/cy/?next=/").status_code == 302
    return client


@pytest.fixture
def bulky_waste(organisations):
    publish_service_file(BULKY_WASTE, published_by="test")


@pytest.fixture
def small(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(SMALL.replace("      - id: email\n", HOUSEHOLD, 1)))
    publish_service_file(path, published_by="test")


def _address(client, **fields):
    data = {"version": "1", **{f"{ADDRESS}-{key}": value for key, value in fields.items()}}
    return client.post(f"{BULKY}/address/", data)


def test_the_address_lookup_check_answers_and_privacy_notice_are_in_welsh(welsh, bulky_waste):
    assert english_left(welsh.get(f"{BULKY}/address/")) == []
    refused = _address(welsh, step="find", postcode="", action="find")
    assert english_left(refused) == []
    found = _address(welsh, step="find", postcode="EB1 1AA", action="find")
    assert "Daethpwyd o hyd i 6 cyfeiriad ar gyfer EB1 1AA" in found.content.decode()
    assert english_left(found) == []
    manual = _address(welsh, step="select", postcode="EB1 1AA", action="manual")
    assert english_left(manual) == []
    chosen = _address(welsh, step="select", postcode="EB1 1AA", uprn="100000000003")
    assert chosen.status_code == 302
    assert english_left(welsh.get(f"{BULKY}/items/")) == []
    assert welsh.post(f"{BULKY}/items/", {"version": "1", "items": "Soffa"}).status_code == 302
    email = {"version": "1", "email": "someone@example.com"}
    assert welsh.post(f"{BULKY}/email/", email).status_code == 302
    assert english_left(welsh.get(f"{BULKY}/check-answers/")) == []
    assert english_left(welsh.get(f"{BULKY}/privacy/")) == []


def test_a_yes_or_no_question_and_the_add_another_question_are_in_welsh(welsh, small):
    assert welsh.post(f"{SMALL_URL}/colour/", {"version": "1", "colour": "blue"}).status_code == 302
    pets = welsh.get(f"{SMALL_URL}/pets/")
    assert english_left(pets) == []
    assert ">Ie</label>" in pets.content.decode()
    assert english_left(welsh.post(f"{SMALL_URL}/pets/", {"version": "1"})) == []
    assert welsh.post(f"{SMALL_URL}/pets/", {"version": "1", "has_pets": "yes"}).status_code == 302
    added = welsh.post(f"{SMALL_URL}/household/1/", {"version": "1", "member_name": "Ada"})
    assert added.status_code == 302
    summary = welsh.get(f"{SMALL_URL}/household/")
    html = summary.content.decode()
    assert ">Ie</label>" in html
    assert ">Na</label>" in html
    assert english_left(summary) == []
    assert english_left(welsh.post(f"{SMALL_URL}/household/", {"version": "1"})) == []
    assert english_left(welsh.get(f"{SMALL_URL}/household/1/remove/")) == []


def test_a_staff_case_page_and_its_transparency_log_entry_are_in_welsh(
    client, bulky_waste, caseworker, signed_in
):
    chosen = _address(client, step="select", postcode="EB1 1AA", uprn="100000000003")
    assert chosen.status_code == 302
    assert client.post(f"{BULKY}/items/", {"version": "1", "items": "Soffa"}).status_code == 302
    email = {"version": "1", "email": "someone@example.com"}
    assert client.post(f"{BULKY}/email/", email).status_code == 302
    sent = client.post(f"{BULKY}/declaration/", {"version": "1", "confirm": "yes"})
    assert sent.status_code == 302
    case = Case.objects.get()
    signed_in(caseworker)
    assert client.get("/language/cy/?next=/").status_code == 302
    assert english_left(client.get("/staff/cases/")) == []
    page = client.get(f"/staff/cases/{case.reference}/")
    assert english_left(page) == []
    # The email shown before an approval is sent, and the page that asks to confirm it.
    preview = client.post(
        f"/staff/cases/{case.reference}/", {"transition": "approve", "version": case.version}
    )
    assert preview.status_code == 200
    assert english_left(preview) == []
    assert english_left(client.get("/staff/messages/")) == []
    assert english_left(client.get("/ledger/entries/0/")) == []


def test_the_check_finds_the_english_words_on_an_english_page(client, bulky_waste):
    html = _address(client, step="find", postcode="EB1 1AA", action="find").content.decode()
    assert {"Back", "Continue", "Change postcode", "addresses found for"} <= set(english_in(html))


def test_save_and_return_the_time_out_and_the_sites_own_pages_are_in_welsh(welsh, bulky_waste):
    chosen = _address(welsh, step="select", postcode="EB1 1AA", uprn="100000000003")
    assert chosen.status_code == 302
    assert english_left(welsh.get(f"{BULKY}/save/")) == []
    assert english_left(welsh.post(f"{BULKY}/save/", {"email": "not an email"})) == []
    saved = welsh.post(f"{BULKY}/save/", {"email": "someone@example.com"}, follow=True)
    assert english_left(saved) == []
    assert "Mae eich atebion wedi" in saved.content.decode()
    unusable = welsh.get(f"{BULKY}/return/not-a-token/")
    assert english_left(unusable) == []
    assert "ddolen hon yn gweithio" in unusable.content.decode()
    timed_out = welsh.get(f"{BULKY}/timed-out/")
    assert english_left(timed_out) == []
    assert "Mae amser eich cais wedi dod i ben" in timed_out.content.decode()
    for page in ("/accessibility", "/privacy", "/cookies", "/feedback", "/no-such-page"):
        response = welsh.get(page)
        assert response.status_code in (200, 404)
        assert english_in(response.content.decode()) == [], page
    assert english_left(welsh.get("/staff/sign-in")) == []


def _send_bulky_waste(client) -> Case:
    chosen = _address(client, step="select", postcode="EB1 1AA", uprn="100000000003")
    assert chosen.status_code == 302
    assert client.post(f"{BULKY}/items/", {"version": "1", "items": "Soffa"}).status_code == 302
    email = {"version": "1", "email": "someone@example.com"}
    assert client.post(f"{BULKY}/email/", email).status_code == 302
    sent = client.post(f"{BULKY}/declaration/", {"version": "1", "confirm": "yes"})
    assert sent.status_code == 302
    return Case.objects.latest("submitted_at")


def test_every_staff_page_a_caseworker_opens_is_in_welsh(
    client, bulky_waste, caseworker, signed_in
):
    """The staff pages of every URLconf, at each state a caseworker sees them in: the
    case list and its filters, a case before and after a decision, the decision form with
    its errors, the emails and the public log entries the case made."""
    case = _send_bulky_waste(client)
    signed_in(caseworker)
    assert client.get("/language/cy/?next=/staff/").status_code == 302
    for path in (
        "/staff/",
        "/staff/cases/",
        "/staff/cases/?status=submitted",
        "/staff/organisation",
    ):
        assert english_left(client.get(path)) == [], path
    detail = f"/staff/cases/{case.reference}/"
    undecided = client.get(detail)
    assert english_left(undecided) == []
    html = undecided.content.decode()
    assert "Wedi&#39;i gyflwyno" in html
    assert "Anfonwyd ar-lein ar " in html
    assert "Cais wedi dod i law: Yn y ciw" in html
    version = str(case.version)
    assert english_left(client.post(detail, {"transition": "", "version": version})) == []
    refused_without_reason = client.post(
        detail, {"transition": "refuse", "reason-refuse": "", "version": version}
    )
    assert "Rhowch y rheswm: caiff ei anfon at yr ymgeisydd" in (
        refused_without_reason.content.decode()
    )
    assert english_left(refused_without_reason) == []
    refusal = {"transition": "refuse", "reason-refuse": "Dim lle", "version": version}
    preview = client.post(detail, refusal)
    assert english_left(preview) == []
    assert client.post(detail, {**refusal, "step": "confirm"}).status_code == 302
    decided = client.get(detail)
    assert english_left(decided) == []
    html = decided.content.decode()
    assert "penderfynwyd gan Caseworker ar " in html
    assert "Penderfyniad wedi&#39;i wneud" in html or "Penderfyniad wedi'i wneud" in html
    assert english_left(client.get("/staff/cases/?status=refused")) == []
    assert english_left(client.get("/staff/cases/search/")) == []
    found = client.get("/staff/cases/search/?q=someone@example.com")
    assert english_left(found) == []
    assert "Wedi&#39;i wrthod" in found.content.decode()
    messages = client.get("/staff/messages/")
    assert english_left(messages) == []
    for message in Message.objects.all():
        assert english_left(client.get(f"/staff/messages/{message.id}/")) == []
    indexes = list(Entry.objects.values_list("index", flat=True))
    assert len(indexes) >= 3  # submitted, the answers viewed, decided
    for index in indexes:
        page = client.get(f"/ledger/entries/{index}/")
        assert english_left(page) == [], index
    for queue in ("mine", "team", "unassigned", "due", "overdue", "waiting"):
        assert english_left(client.get(f"/staff/cases/queues/{queue}/")) == [], queue
    assert english_left(client.get(f"{detail}message")) == []
    assert english_left(client.post(f"{detail}message", {"message": ""})) == []
    sent = client.post(f"{detail}message", {"message": "Diolch"})
    assert english_left(client.get(sent.headers["Location"])) == []
    # A page the caseworker may not open says so in Welsh.
    refused = client.get("/staff/preview/bulky-waste-collection/1/")
    assert refused.status_code in (403, 404)
    assert english_left(refused) == []


def test_the_staff_sign_in_and_security_code_pages_and_their_errors_are_in_welsh(welsh, caseworker):
    assert english_left(welsh.get("/staff/sign-in")) == []
    empty = welsh.post("/staff/sign-in", {"email": "", "password": ""})
    assert english_left(empty) == []
    assert "Rhowch eich cyfeiriad e-bost" in empty.content.decode()
    wrong = welsh.post("/staff/sign-in", {"email": caseworker.email, "password": "wrong"})
    assert english_left(wrong) == []
    assert "Rhowch gyfeiriad e-bost a chyfrinair cywir" in wrong.content.decode()
    right = {"email": caseworker.email, "password": "correct-horse-battery"}
    assert welsh.post("/staff/sign-in", right).status_code == 302
    assert english_left(welsh.get("/staff/sign-in/code")) == []
    assert english_left(welsh.post("/staff/sign-in/code", {"code": ""})) == []
    wrong_code = welsh.post("/staff/sign-in/code", {"code": "000000"})
    assert english_left(wrong_code) == []
    assert "Nid yw&#39;r cod yn gywir" in wrong_code.content.decode()


def test_the_error_pages_are_in_welsh(welsh, organisations):
    assert english_left(welsh.get("/no-such-page")) == []
    assert english_left(welsh.get("/applications/")) == []
    forged = Client(enforce_csrf_checks=True)
    forged.cookies = welsh.cookies
    refused = forged.post("/staff/sign-in", {"email": "someone@example.com"})
    assert refused.status_code == 403
    assert english_left(refused) == []
    assert "Nid oedd modd anfon eich ffurflen" in refused.content.decode()


def test_the_character_count_and_the_time_out_warning_hand_their_scripts_welsh(welsh, bulky_waste):
    chosen = _address(welsh, step="select", postcode="EB1 1AA", uprn="100000000003")
    assert chosen.status_code == 302
    page = welsh.get(f"{BULKY}/items/")
    assert english_left(page) == []
    texts = script_texts(page.content.decode())
    assert texts["data-i18n.characters-under-limit.other"] == "Mae gennych %{count} nod ar ôl"
    assert texts["data-i18n.characters-over-limit.two"] == "Mae gennych %{count} nod yn ormod"
    assert texts["data-i18n.characters-at-limit"] == "Mae gennych 0 nod ar ôl"
    assert texts["data-i18n-minutes-other"] == "{count} munud"
    assert texts["data-i18n-announcement"] == "Byddwn yn dileu eich atebion ymhen {time}."
    too_long = welsh.post(f"{BULKY}/items/", {"version": "1", "items": "x" * 502})
    assert "Mae gennych 2 nod yn ormod" in too_long.content.decode()
    assert english_left(too_long) == []


def test_the_check_finds_english_handed_to_the_scripts_on_an_english_page(client, bulky_waste):
    chosen = _address(client, step="select", postcode="EB1 1AA", uprn="100000000003")
    assert chosen.status_code == 302
    found = english_in(client.get(f"{BULKY}/items/").content.decode())
    assert any(text.startswith("data-i18n.characters-under-limit.one=") for text in found)
    assert any(text.startswith("data-i18n-announcement=") for text in found)


def test_the_applicants_page_with_its_messages_and_reply_errors_is_in_welsh(
    welsh, bulky_waste, caseworker
):
    import time

    from civitas.cases.conversation import send_message
    from civitas.cases.replies import reply_as_applicant
    from civitas.cases.tracking_views import GRANTED
    from conftest import acting

    case = _send_bulky_waste(welsh)
    send_message(reference=case.reference, text="Pa liw yw'r soffa?", staff=acting(caseworker))
    reply_as_applicant(reference=case.reference, text="Glas")
    session = welsh.session
    session[GRANTED] = {case.reference: int(time.time()) + 600}
    session.save()
    page = f"/applications/{case.reference}/"
    assert english_left(welsh.get(page)) == []
    assert english_left(welsh.post(page, {"reply": ""})) == []
    assert english_left(welsh.get(f"{page}?sent=1")) == []
