"""A payment's states as GOV.UK Pay names them, and the moves between them: one table,
read by services.move. Plain values only."""

CREATED, STARTED, SUBMITTED = "created", "started", "submitted"
SUCCESS, FAILED, CANCELLED, ERROR = "success", "failed", "cancelled", "error"

FINISHED = frozenset({SUCCESS, FAILED, CANCELLED, ERROR})
# The service may cancel (POST .../cancel), and the payer may, only before the payment ends.
CANCELLABLE = frozenset({CREATED, STARTED, SUBMITTED})

TRANSITIONS: dict[str, frozenset[str]] = {
    CREATED: frozenset({STARTED, FAILED, CANCELLED}),
    STARTED: frozenset({SUBMITTED, FAILED, CANCELLED, ERROR}),
    SUBMITTED: frozenset({SUCCESS, FAILED, CANCELLED, ERROR}),
    SUCCESS: frozenset(),
    FAILED: frozenset(),
    CANCELLED: frozenset(),
    ERROR: frozenset(),
}

# GOV.UK Pay's codes of a finished payment that did not succeed, and their messages.
DECLINED = "P0010"
EXPIRED = "P0020"
CANCELLED_BY_USER = "P0030"
CANCELLED_BY_SERVICE = "P0040"
PROVIDER_ERROR = "P0050"
MESSAGES = {
    DECLINED: "Payment method rejected",
    EXPIRED: "Payment expired",
    CANCELLED_BY_USER: "Payment was cancelled by the user",
    CANCELLED_BY_SERVICE: "Payment was cancelled by the service",
    PROVIDER_ERROR: "Payment provider returned an error",
}

# The webhook event each move sends (GOV.UK Pay's event types); a success also sends
# card_payment_captured, and card_payment_settled when it settles the same day.
WEBHOOK_EVENTS = {
    (STARTED, ""): "card_payment_started",
    (SUCCESS, ""): "card_payment_succeeded",
    (FAILED, DECLINED): "card_payment_failed",
    (FAILED, CANCELLED_BY_USER): "card_payment_failed",
    (FAILED, EXPIRED): "card_payment_expired",
    (ERROR, PROVIDER_ERROR): "card_payment_failed",
}


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS[current]


def sources_of(target: str) -> list[str]:
    """The states a payment may be in to move to `target`."""
    return [state for state, targets in TRANSITIONS.items() if target in targets]
