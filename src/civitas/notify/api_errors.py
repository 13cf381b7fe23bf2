"""The Notify-compatible API's errors, in GOV.UK Notify v2's shape and words.

Every refusal is `{"status_code": N, "errors": [{"error": <kind>, "message": ...}]}`, the
kind one of Notify's (BadRequestError, ValidationError, AuthError, RateLimitError,
TooManyRequestsError, NoResultFound). Clients match on the status code and the kind;
the messages follow Notify's so that logs and support answers read the same.
"""

from django.http import JsonResponse

NOT_FOUND = "No result found"


class ApiError(Exception):
    """A refusal to answer with Notify's error body; `errors` may hold several messages
    (a request with three bad fields is told of all three, as Notify does)."""

    def __init__(self, status_code: int, error: str, *messages: str) -> None:
        super().__init__(messages[0] if messages else error)
        self.status_code = status_code
        self.error = error
        self.messages = messages

    def response(self) -> JsonResponse:
        return error_response(self.status_code, self.error, *self.messages)


def error_response(status_code: int, error: str, *messages: str) -> JsonResponse:
    return JsonResponse(
        {
            "status_code": status_code,
            "errors": [{"error": error, "message": message} for message in messages],
        },
        status=status_code,
    )


def bad_request(message: str, *, status_code: int = 400) -> ApiError:
    return ApiError(status_code, "BadRequestError", message)


def invalid(*messages: str) -> ApiError:
    return ApiError(400, "ValidationError", *messages)


def not_found() -> ApiError:
    return ApiError(404, "NoResultFound", NOT_FOUND)


def auth_error(message: str, *, status_code: int = 403) -> ApiError:
    return ApiError(status_code, "AuthError", message)
