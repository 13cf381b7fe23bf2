"""The GOV.UK Pay public API (the parts Civitas uses), with GOV.UK Pay's field names,
status codes and error bodies; and the sandbox's own test switches under /_sandbox/."""

import datetime
import functools
import hashlib
import hmac
import json
import math
import re
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import faults, lifecycle, services
from .models import Payment, PaymentEvent, Refund
from .resources import event_resource, link, payment_resource, refund_resource

MAX_AMOUNT_PENCE = 10_000_000
MAX_DISPLAY_SIZE = 500
LANGUAGES = {"en", "cy"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class ApiError(Exception):
    http_status: int
    code: str
    description: str
    field: str | None = None

    def response(self) -> JsonResponse:
        body = {"code": self.code, "description": self.description}
        if self.field:
            body = {"field": self.field, **body}
        return JsonResponse(body, status=self.http_status)


def not_found(code: str) -> ApiError:
    return ApiError(404, code, "Not found")


def endpoint(*methods: str):
    """An API view: Bearer key checked, overdue payments expired, ApiError answered as
    GOV.UK Pay answers errors."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _has_api_key(request):
                return JsonResponse(
                    {
                        "code": "P0920",
                        "description": "Credentials are required to access this service",
                    },
                    status=401,
                )
            if request.method not in methods:
                return JsonResponse(
                    {"code": "P0920", "description": f"{request.method} is not allowed here"},
                    status=405,
                )
            services.expire_overdue()
            try:
                return view(request, *args, **kwargs)
            except ApiError as error:
                return error.response()

        return wrapper

    return decorate


def _has_api_key(request: HttpRequest) -> bool:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return scheme == "Bearer" and hmac.compare_digest(key.encode(), settings.API_KEY.encode())


def _json_body(request: HttpRequest, parse_error_code: str) -> dict:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, parse_error_code, "Unable to parse JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, parse_error_code, "Unable to parse JSON")
    return body


def _payment(payment_id: str, not_found_code: str) -> Payment:
    payment = Payment.objects.filter(payment_id=payment_id).first()
    if payment is None:
        raise not_found(not_found_code)
    return payment


# --- Payments ---------------------------------------------------------------------------


@endpoint("GET", "POST")
def payments(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return create_payment(request)
    return search_payments(request)


def create_payment(request: HttpRequest) -> HttpResponse:
    body = _json_body(request, "P0197")
    fields = payment_fields(body)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    try:
        payment, created = services.create_payment(
            fields=fields,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip() or None,
            request_digest=digest,
        )
    except services.IdempotencyConflict:
        raise ApiError(
            422,
            "P0191",
            "The Idempotency-Key you sent in the request header has already been used "
            "to create a payment with a different request body.",
        ) from None
    return JsonResponse(payment_resource(payment), status=201 if created else 200)


def payment_fields(body: dict) -> dict:
    """The new payment's fields from a create request; ApiError names the first field
    missing (P0101) or invalid (P0102)."""
    for name in ("amount", "reference", "description", "return_url"):
        if body.get(name) is None:
            raise ApiError(400, "P0101", f"Missing mandatory attribute: {name}", name)
    amount = body["amount"]
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise _invalid("amount", "Must be a whole number of pence")
    if not 1 <= amount <= MAX_AMOUNT_PENCE:
        raise _invalid("amount", f"Must be between 1 and {MAX_AMOUNT_PENCE}")
    for name in ("reference", "description"):
        value = body[name]
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            raise _invalid(name, "Must be text of 1 to 255 characters")
    return_url = body["return_url"]
    if not isinstance(return_url, str) or not _is_web_url(return_url):
        raise _invalid("return_url", "Must be a valid http or https URL")
    language = body.get("language", "en")
    if language not in LANGUAGES:
        raise _invalid("language", "Must be en or cy")
    email = body.get("email") or ""
    if not isinstance(email, str) or len(email) > 254 or (email and not EMAIL.match(email)):
        raise _invalid("email", "Must be a valid email address")
    moto = body.get("moto", False)
    if not isinstance(moto, bool):
        raise _invalid("moto", "Must be true or false")
    return {
        "amount": amount,
        "reference": body["reference"],
        "description": body["description"],
        "return_url": return_url,
        "language": language,
        "metadata": _metadata(body.get("metadata")),
        "email": email,
        "moto": moto,
    }


def _metadata(metadata) -> dict:
    """GOV.UK Pay's rules: up to 10 keys of up to 30 characters; values text (up to 100
    characters), numbers or true/false."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise _invalid("metadata", "Must be an object")
    if len(metadata) > 10:
        raise _invalid("metadata", "Must have 10 keys or fewer")
    for key, value in metadata.items():
        if not 1 <= len(key) <= 30:
            raise _invalid("metadata", "Keys must be 1 to 30 characters")
        if isinstance(value, str):
            if len(value) > 100:
                raise _invalid("metadata", "Text values must be 100 characters or fewer")
        elif not isinstance(value, int | float | bool):
            raise _invalid("metadata", "Values must be text, numbers or true/false")
    return metadata


def _invalid(field: str, why: str) -> ApiError:
    return ApiError(422, "P0102", f"Invalid attribute value: {field}. {why}", field)


def _is_web_url(url: str) -> bool:
    if len(url) > 2000:
        return False
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


@endpoint("GET")
def payment(request: HttpRequest, payment_id: str) -> HttpResponse:
    return JsonResponse(payment_resource(_payment(payment_id, "P0200")))


@endpoint("POST")
def cancel(request: HttpRequest, payment_id: str) -> HttpResponse:
    found = _payment(payment_id, "P0500")
    if not services.cancel_by_service(found):
        raise ApiError(400, "P0501", "Cancellation of payment failed")
    return HttpResponse(status=204)


@endpoint("GET")
def events(request: HttpRequest, payment_id: str) -> HttpResponse:
    found = _payment(payment_id, "P0300")
    history = PaymentEvent.objects.filter(payment=found).order_by("at", "id")
    return JsonResponse(
        {
            "payment_id": found.payment_id,
            "events": [
                event_resource(found.payment_id, event.status, event.code, event.at)
                for event in history
            ],
            "_links": {"self": link(f"/v1/payments/{found.payment_id}/events")},
        }
    )


# --- Refunds ----------------------------------------------------------------------------


@endpoint("GET", "POST")
def refunds(request: HttpRequest, payment_id: str) -> HttpResponse:
    if request.method == "GET":
        found = _payment(payment_id, "P0800")
        return JsonResponse(
            {
                "payment_id": found.payment_id,
                "_links": {
                    "self": link(f"/v1/payments/{found.payment_id}/refunds"),
                    "payment": link(f"/v1/payments/{found.payment_id}"),
                },
                "_embedded": {
                    "refunds": [
                        refund_resource(made) for made in found.refunds.order_by("created_at")
                    ]
                },
            }
        )
    found = _payment(payment_id, "P0600")
    body = _json_body(request, "P0697")
    amount = body.get("amount")
    if amount is None:
        raise ApiError(400, "P0601", "Missing mandatory attribute: amount", "amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        raise ApiError(
            422, "P0602", "Invalid attribute value: amount. Must be at least 1", "amount"
        )
    expected = body.get("refund_amount_available")
    if expected is not None and (not isinstance(expected, int) or isinstance(expected, bool)):
        raise ApiError(
            422,
            "P0602",
            "Invalid attribute value: refund_amount_available. Must be a whole number",
            "refund_amount_available",
        )
    try:
        made = services.refund(
            found,
            amount=amount,
            expected_available=expected,
            pending_seconds=faults.refunds_pending_seconds(),
        )
    except services.RefundRefused as refused:
        raise ApiError(refused.http_status, refused.code, refused.description) from None
    return JsonResponse(refund_resource(made), status=202)


@endpoint("GET")
def refund(request: HttpRequest, payment_id: str, refund_id: str) -> HttpResponse:
    made = Refund.objects.filter(payment_id=payment_id, refund_id=refund_id).first()
    if made is None:
        raise not_found("P0700")
    return JsonResponse(refund_resource(made))


# --- Search -----------------------------------------------------------------------------


def search_payments(request: HttpRequest) -> HttpResponse:
    query = request.GET
    found = Payment.objects.all()
    if query.get("reference"):
        found = found.filter(reference=query["reference"])
    if query.get("email"):
        found = found.filter(email=query["email"])
    if query.get("state"):
        if query["state"] not in lifecycle.TRANSITIONS:
            raise ApiError(422, "P0401", "Invalid parameters: state", "state")
        found = found.filter(status=query["state"])
    found = _dated(found, query, "P0401")
    return _page(request, found.order_by("-created_at", "payment_id"), payment_resource, "P0401")


@endpoint("GET")
def search_refunds(request: HttpRequest) -> HttpResponse:
    found = _dated(Refund.objects.all(), request.GET, "P1101")
    return _page(
        request,
        found.order_by("-created_at", "refund_id"),
        functools.partial(refund_resource, with_payment_id=True),
        "P1101",
    )


def _dated(found: QuerySet, query, code: str) -> QuerySet:
    """Filters by from_date/to_date (times of creation) and from_settled_date/
    to_settled_date (days; only what has settled)."""
    for name, lookup in (("from_date", "created_at__gte"), ("to_date", "created_at__lt")):
        if query.get(name):
            found = found.filter(**{lookup: _moment(query[name], name, code)})
    settled_bounds = [
        ("from_settled_date", "settled_date__gte"),
        ("to_settled_date", "settled_date__lte"),
    ]
    if any(query.get(name) for name, _ in settled_bounds):
        today = services.today()
        found = found.filter(settled_date__lte=today)
        for name, lookup in settled_bounds:
            if query.get(name):
                found = found.filter(**{lookup: _day(query[name], name, code)})
    return found


def _moment(text: str, name: str, code: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(422, code, f"Invalid parameters: {name}", name) from None
    if moment.tzinfo is None:
        raise ApiError(422, code, f"Invalid parameters: {name} (needs a time zone)", name)
    return moment


def _day(text: str, name: str, code: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ApiError(422, code, f"Invalid parameters: {name}", name) from None


def _page(request: HttpRequest, found: QuerySet, represent, code: str) -> JsonResponse:
    try:
        page = int(request.GET.get("page", "1"))
        size = int(request.GET.get("display_size", str(MAX_DISPLAY_SIZE)))
    except ValueError:
        raise ApiError(422, code, "Invalid parameters: page, display_size") from None
    if page < 1 or not 1 <= size <= MAX_DISPLAY_SIZE:
        raise ApiError(422, code, "Invalid parameters: page, display_size")
    total = found.count()
    last = max(1, math.ceil(total / size))
    if page > last:
        raise ApiError(404, "P0402", "Page not found")
    results = [represent(item) for item in found[(page - 1) * size : page * size]]

    def page_link(number: int) -> dict:
        query = request.GET.copy()
        query["page"] = str(number)
        query["display_size"] = str(size)
        return {"href": f"{settings.BASE_URL}{request.path}?{query.urlencode()}"}

    return JsonResponse(
        {
            "total": total,
            "count": len(results),
            "page": page,
            "results": results,
            "_links": {
                "self": page_link(page),
                "first_page": page_link(1),
                "last_page": page_link(last),
                "prev_page": page_link(page - 1) if page > 1 else None,
                "next_page": page_link(page + 1) if page < last else None,
            },
        }
    )


# --- Test switches ----------------------------------------------------------------------


@endpoint("POST")
def set_faults(request: HttpRequest) -> HttpResponse:
    try:
        faults.set_switches(faults.parse(request.body))
    except (ValueError, TypeError) as error:
        raise ApiError(400, "P0102", f"Invalid fault switches: {error}") from None
    return HttpResponse(status=204)


@endpoint("POST")
def expire(request: HttpRequest, payment_id: str) -> HttpResponse:
    if not services.expire_now(_payment(payment_id, "P0200")):
        raise ApiError(400, "P0501", "Only an unfinished payment can expire")
    return HttpResponse(status=204)
