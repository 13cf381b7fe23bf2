"""The platform's privacy notice (/privacy), generated from the live services' definitions.

Each organisation is the controller of what its services collect; for each service the
notice gives the lawful basis its definition states and how long it keeps each kind of
record (its `retention`, with the platform's defaults), in the page's language. What each
service asks for is on the service's own notice, which this one links to.
"""

from dataclasses import dataclass

from django.utils.translation import gettext, ngettext

from civitas.catalogue.model import ServiceDefinition
from civitas.catalogue.queries import get_service_version, list_live_services
from civitas.catalogue.texts import active_language, in_language

ICO_COMPLAINTS_URL = "https://ico.org.uk/make-a-complaint/"
"""Where anyone in the UK complains about how their personal data was used."""


@dataclass(frozen=True)
class KeptFor:
    records: str
    period: str


@dataclass(frozen=True)
class ServiceEntry:
    title: str
    notice_url: str
    lawful_basis: str
    kept: tuple[KeptFor, ...]


@dataclass(frozen=True)
class Controller:
    name: str
    services: tuple[ServiceEntry, ...]


def describe_period(days: int) -> str:
    """A retention period in words: years, months, or days under two months (a month
    counting as 30 days, as the definition's periods do)."""
    if days % 365 == 0:
        years = days // 365
        return ngettext("%(count)s year", "%(count)s years", years) % {"count": years}
    if days % 30 == 0 and days >= 60:
        months = days // 30
        return ngettext("%(count)s month", "%(count)s months", months) % {"count": months}
    return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}


def kept_for(model: ServiceDefinition) -> tuple[KeptFor, ...]:
    """Each kind of record the service keeps with how long it is kept, in the page's
    language: payment records only for a service that charges a fee, as no other has any."""
    retention = model.retention
    after_closing = gettext("%(period)s after the application is closed")
    kept = [
        KeptFor(
            gettext("Applications"),
            after_closing % {"period": describe_period(retention.closed_cases_days)},
        ),
        KeptFor(
            gettext("Files you send"),
            after_closing % {"period": describe_period(retention.uploads_days)},
        ),
        KeptFor(
            gettext("Messages"),
            after_closing % {"period": describe_period(retention.messages_days)},
        ),
    ]
    if model.charges_fee:
        kept.append(
            KeptFor(
                gettext("Payment records"),
                after_closing % {"period": describe_period(retention.payment_records_days)},
            )
        )
    kept.append(
        KeptFor(
            gettext("Unfinished applications"),
            gettext("%(period)s after you save them")
            % {"period": describe_period(retention.abandoned_journeys_days)},
        )
    )
    return tuple(kept)


def platform_notice() -> list[Controller]:
    """The organisations whose services are live, each with its services, by name."""
    code = active_language()
    controllers: dict[int, tuple[str, list[ServiceEntry]]] = {}
    for live in list_live_services():
        model = get_service_version(live.organisation.id, live.slug, live.version).model
        lawful_basis = (
            in_language(model.privacy.lawful_basis, code)
            if model.privacy
            else gettext("Public task")
        )
        _, services = controllers.setdefault(live.organisation.id, (live.organisation.name, []))
        services.append(
            ServiceEntry(
                title=in_language(model.title, code),
                notice_url=f"{live.url}privacy/",
                lawful_basis=lawful_basis,
                kept=kept_for(model),
            )
        )
    return [Controller(name, tuple(services)) for name, services in controllers.values()]
