from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from civitas.catalogue.queries import list_live_services


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    services = [
        {"slug": v.slug, "title": v.title, "description": v.definition.get("description", "")}
        for v in list_live_services()
    ]
    return render(request, "catalogue/home.html", {"services": services})


@require_GET
def content_page(request: HttpRequest, page: str) -> HttpResponse:
    return render(request, f"catalogue/{page}.html")
