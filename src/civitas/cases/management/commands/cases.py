"""`civitas cases reindex`: writes again the digests cases are searched by.

Run it after the first field encryption key changes (the search digests are keyed with a
key derived from it), or to index cases stored before search existed.
"""

from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from civitas.cases.models import Case
from civitas.cases.search import reindex_cases
from civitas.catalogue.public import Service, get_service_version


class Command(BaseCommand):
    help = "Look after cases: `reindex` writes again the digests they are searched by."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("reindex", help="write again every case's search digests")

    def handle(self, *args: Any, **options: Any) -> None:
        done = reindex_cases(_cases_with_their_services())
        self.stdout.write(f"{done} case(s) indexed")


def _cases_with_their_services() -> Iterator[tuple[Case, Service]]:
    services: dict[tuple[int, str, int], Service] = {}
    for case in Case.objects.order_by("id").iterator(chunk_size=500):
        key = (case.organisation_id, case.service_slug, case.service_version)
        if key not in services:
            services[key] = get_service_version(*key)
        yield case, services[key]
