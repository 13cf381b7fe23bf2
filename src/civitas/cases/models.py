from django.conf import settings
from django.db import models

from civitas.cases.workflow import Status
from civitas.platform.crypto import EncryptedJSONField, EncryptedTextField


class Case(models.Model):
    """A submitted application and what happened to it.

    Answers hold personal data and are encrypted at rest, bound to the case's reference
    (see platform.crypto); anything a list must filter or sort on is kept in its own plain
    column.
    """

    reference = models.CharField(max_length=16, unique=True)
    # The organisation whose service it was: every staff look-up filters by it.
    organisation = models.ForeignKey(
        "identity.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    service_slug = models.SlugField(max_length=60)
    service_version = models.PositiveIntegerField()
    # A state of the workflow of the case's service version (catalogue's Workflow): its
    # label, kind and transitions come from there.
    status = models.CharField(max_length=40, default=Status.SUBMITTED)
    # Counts the case's transitions. A transition is applied only where the case is still
    # at the version (and status) it was read at: a compare-and-set, so a form drawn
    # before another change, or a second decision racing the first, changes nothing.
    version = models.PositiveIntegerField(default=0, db_default=0)
    # When the case entered its status (None for cases from before workflows: their
    # submission or decision time stands for it).
    status_since = models.DateTimeField(null=True)
    # When the soonest timer of its status falls due; None when the status has none. The
    # periodic job reads only this indexed column.
    timer_due_at = models.DateTimeField(null=True)
    # The kind of its status (open, waiting-for-citizen, closed-...), copied at each move so
    # a queue of the cases waiting for the citizen is one indexed equality.
    status_kind = models.CharField(max_length=20, default="open", db_default="open")
    # The service level: when the case should have moved on from its status (its state's
    # service_level_days from entering it). While the case waits for the citizen or a
    # payment the clock stops: `due_at` is cleared and what was left of it is kept in
    # `service_level_left_seconds`, to run again from when the wait ends.
    due_at = models.DateTimeField(null=True)
    service_level_left_seconds = models.IntegerField(null=True)
    channel = models.CharField(max_length=16, default="online")
    # The language the citizen applied in: every message to them is written in it.
    language = models.CharField(max_length=8, default="en", db_default="en")
    answers = EncryptedJSONField(bound_to="reference")
    fee_pence = models.PositiveIntegerField(null=True)
    # The rules' decision behind the fee (rule set and its hash, date, inputs, explanation):
    # encrypted, as the inputs can be personal data (a Blue Badge says something of health).
    fee_decision = EncryptedJSONField(null=True, bound_to="reference")
    # What the rules estimate the applicant gets, for a service that shows an estimate
    # (`{"variable": ..., "pence": ...}`); its decision is `fee_decision`. Encrypted: it
    # follows from the household's income.
    estimate = EncryptedJSONField(null=True, bound_to="reference")
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True)
    # Kept at the decision for the performance figures (performance.py), which count
    # them by index rather than work them out case by case: seconds from submission, and
    # whether it came within the service level (None: the service sets none).
    decision_seconds = models.IntegerField(null=True)
    decided_within_service_level = models.BooleanField(null=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = EncryptedTextField(null=True, bound_to="reference")
    # Assisted digital: the member of staff who completed the application for a caller.
    assisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # The team the service's routing sent it to at submission (None: the service routes
    # no case), and the member of staff working it.
    team = models.ForeignKey("identity.Team", null=True, on_delete=models.PROTECT, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True)
    # The citizen's account, when they were signed in as they applied: "your applications"
    # lists the cases by it. Applying needs no account, so most cases have none.
    account = models.ForeignKey(
        "identity.CitizenAccount",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # the account's index below serves the key too
    )
    # Retention (retention.py): when the closed case's files and messages were deleted,
    # when its personal data was erased, keeping what is not personal (reference, service,
    # status, dates, fee), and when its payment record (the fee) was erased too.
    uploads_erased_at = models.DateTimeField(null=True)
    messages_erased_at = models.DateTimeField(null=True)
    anonymised_at = models.DateTimeField(null=True)
    payment_record_erased_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            # A citizen's own applications, newest first, paginated by key.
            models.Index(
                fields=["account", "-submitted_at", "-id"],
                name="case_account",
                condition=models.Q(account__isnull=False),
            ),
            # The queues (queues.py) read oldest first, each by an index in its own order:
            # a team's queue,
            models.Index(
                fields=["organisation", "team", "status", "submitted_at", "id"],
                name="case_team_queue",
            ),
            # a person's own cases,
            models.Index(
                fields=["assigned_to", "status", "submitted_at", "id"], name="case_assignee"
            ),
            # and the open cases nobody has taken yet (what "take the next case" reads):
            # partial, so it holds only the few rows waiting.
            models.Index(
                fields=["organisation", "team", "submitted_at", "id"],
                name="case_unassigned",
                condition=models.Q(assigned_to__isnull=True, status="submitted"),
            ),
            # Keyset pagination of an organisation's work queue: newest first in a status.
            models.Index(
                fields=["organisation", "status", "-submitted_at", "-id"], name="case_queue"
            ),
            models.Index(fields=["organisation", "-submitted_at", "-id"], name="case_recent"),
            # What is overdue, or due soonest, in a team's cases.
            models.Index(
                fields=["organisation", "team", "due_at", "id"],
                name="case_due",
                condition=models.Q(due_at__isnull=False),
            ),
            # The cases waiting for the citizen, longest waiting first.
            models.Index(
                fields=["organisation", "team", "status_since", "id"],
                name="case_waiting_for_citizen",
                condition=models.Q(status_kind="waiting-for-citizen"),
            ),
            models.Index(
                fields=["timer_due_at"],
                name="case_timer_due",
                condition=models.Q(timer_due_at__isnull=False),
            ),
            # The performance figures: a service's cases submitted, decided, and open now,
            # each counted from an index that holds every column the count reads.
            models.Index(
                fields=["service_slug", "organisation", "submitted_at", "channel"],
                name="case_figures_submitted",
            ),
            models.Index(
                fields=[
                    "service_slug",
                    "organisation",
                    "decided_at",
                    "channel",
                    "decision_seconds",
                    "decided_within_service_level",
                ],
                name="case_figures_decided",
                condition=models.Q(decided_at__isnull=False),
            ),
            # The daily rollup of cases (insights): the cases submitted, and decided, in
            # the last few days, whatever their service.
            models.Index(fields=["submitted_at"], name="case_submitted_at"),
            models.Index(
                fields=["decided_at"],
                name="case_decided_at",
                condition=models.Q(decided_at__isnull=False),
            ),
            # Partial: only the cases not closed, a small share of them all. Its condition
            # is written as performance.NOT_CLOSED_KINDS, which a query must repeat.
            models.Index(
                fields=["service_slug", "organisation", "status", "channel"],
                name="case_figures_backlog",
                condition=models.Q(
                    status_kind__in=["open", "waiting-for-citizen", "waiting-for-payment"]
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseFile(models.Model):
    """A file sent with an application: one per file answer, named by the answer's token.

    The file is sealed on disk under UPLOAD_ROOT (platform.files.store), bound to the
    case's reference and the token, so it opens only as this case's file.
    """

    token = models.CharField(max_length=32, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="files")
    answer_id = models.CharField(max_length=40)
    # A file's name can say whose it is.
    file_name = EncryptedTextField(bound_to="token")
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField()
    # A file the applicant sent with a reply rather than with the application.
    message = models.ForeignKey(
        "CaseMessage", null=True, on_delete=models.PROTECT, related_name="files"
    )

    def __str__(self) -> str:
        return self.token


class CaseMessage(models.Model):
    """One message of the thread between a case's caseworkers and its applicant: a request
    for more information, a message from staff, or the applicant's reply (which may bring
    files: CaseFile.message). The text is encrypted, bound to the message's key, which
    names the case (notes.new_key): a row moved to another case is not shown there."""

    STAFF = "staff"
    CITIZEN = "citizen"

    key = models.CharField(max_length=32, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="messages")
    sender = models.CharField(max_length=8)
    # What it is: "request" (more information asked for), "message" or "reply".
    kind = models.CharField(max_length=8)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    body = EncryptedTextField(bound_to="key")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["case", "created_at"], name="case_message_thread")]

    def __str__(self) -> str:
        return f"{self.kind} on case {self.case_id}"


class CaseSearchTerm(models.Model):
    """One keyed digest a case is found by (cases/search.py): of an email address, a
    postcode or a word of a name in its answers. Holds no answer, only the digest; the
    submission time is copied so a search pages through its matches by index alone."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    organisation_id = models.BigIntegerField()
    kind = models.CharField(max_length=8)
    digest = models.CharField(max_length=32)
    submitted_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation_id", "kind", "digest", "-submitted_at", "-case"],
                name="case_search",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} term of case {self.case_id}"


class TrackingCode(models.Model):
    """A one-time code emailed to the address on an application, with which the citizen
    sees where it stands (cases/tracking.py). Kept only as its SHA-256."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    code_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0, db_default=0)
    used_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["case", "-created_at"], name="tracking_code_latest")]

    def __str__(self) -> str:
        return f"tracking code for case {self.case_id}"


class CaseNote(models.Model):
    """A private note on a case, for its organisation's staff only: never shown to the
    citizen, never in a message, never in the audit trail or the logs.

    The text is encrypted at rest, bound to `key`, which starts with the case's reference
    (`<reference>~<random>`): a note opens only as the note it was written as, and is shown
    only on the case its key names (cases/notes.py)."""

    key = models.CharField(max_length=60, unique=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    text = EncryptedTextField(bound_to="key")

    class Meta:
        indexes = [models.Index(fields=["case", "-created_at", "-id"], name="case_note_latest")]

    def __str__(self) -> str:
        return f"note on case {self.case_id}"


class CaseLabel(models.Model):
    """A label of the case's service (its definition's `labels`) put on a case. The
    organisation and submission time are copied from the case, so a queue filtered by a
    label reads this table's index in the queue's order (cases/queues.py) rather than every
    case of the organisation."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="labels")
    organisation_id = models.BigIntegerField()
    label = models.CharField(max_length=40)
    submitted_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "label"], name="case_label_once"),
        ]
        indexes = [
            models.Index(
                fields=["organisation_id", "label", "submitted_at", "case"],
                name="case_label_queue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} on case {self.case_id}"


class OpinionRequest(models.Model):
    """A question a caseworker asked another team of the organisation about a case, and
    that team's answer (cases/opinions.py). Both texts are encrypted at rest, bound to
    `key` (`<reference>~<random>`). Answered once: `answered_at` is set by a conditional
    update, so a second answer changes nothing."""

    key = models.CharField(max_length=60, unique=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    organisation_id = models.BigIntegerField()
    team = models.ForeignKey("identity.Team", on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField()
    question = EncryptedTextField(bound_to="key")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True)
    answer = EncryptedTextField(null=True, bound_to="key")

    class Meta:
        indexes = [
            models.Index(fields=["case", "asked_at", "id"], name="opinion_of_case"),
            # "Opinions requested of my teams": the unanswered ones, oldest first, a
            # partial index holding only the rows waiting.
            models.Index(
                fields=["team", "asked_at", "id"],
                name="opinion_waiting",
                condition=models.Q(answered_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"opinion request {self.key}"
