from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from civitas.catalogue.privacy import ICO_COMPLAINTS_URL, platform_notice
from civitas.catalogue.queries import list_live_services


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    organisations: dict[str, dict[str, Any]] = {}
    for version in list_live_services():
        group = organisations.setdefault(
            version.organisation.slug,
            {"slug": version.organisation.slug, "name": version.organisation.name, "services": []},
        )
        group["services"].append(
            {
                "slug": version.slug,
                "title": version.title,
                "description": version.description,
            }
        )
    return render(request, "catalogue/home.html", {"organisations": list(organisations.values())})


@require_GET
def content_page(request: HttpRequest, page: str) -> HttpResponse:
    return render(request, f"catalogue/{page}.html")


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """The platform's privacy notice, generated from the live services (privacy.py)."""
    return render(
        request,
        "catalogue/privacy.html",
        {"controllers": platform_notice(), "complaints_url": ICO_COMPLAINTS_URL},
    )
