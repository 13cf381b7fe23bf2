import uuid

from django.db import models

from civitas.platform.crypto import EncryptedJSONField, EncryptedTextField


class SavedJourney(models.Model):
    """Answers a citizen saved to come back to through an emailed link.

    The link's token is stored only as its SHA-256: the table alone opens no journey. The
    answers are personal data, encrypted and bound to the row. The email address is not
    kept here (only in the message sent). A used link keeps its row, without answers,
    until it expires, so that following it again says it was used.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "identity.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    service_slug = models.SlugField(max_length=60)
    service_version = models.PositiveIntegerField()
    token_sha256 = models.CharField(max_length=64, unique=True)
    # {"answers": ..., "drafts": ...}, as the journey in the session holds them.
    answers = EncryptedJSONField(null=True, bound_to="id")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True)
    # The citizen's account, when they saved while signed in: their account lists it, and
    # they carry on from there without the emailed link.
    account = models.ForeignKey(
        "identity.CitizenAccount", null=True, on_delete=models.CASCADE, related_name="+"
    )

    def __str__(self) -> str:
        return f"saved journey {self.id}"


class Upload(models.Model):
    """A file a citizen uploaded in a journey not yet submitted (journeys/uploads.py).

    The file itself is sealed on disk under UPLOAD_ROOT (platform.files.store), named by
    the token; the journey's answer is the token. On submission the case takes the file
    over and this row goes; a journey never submitted loses it to the periodic sweep.
    A journey saved to come back to holds its uploads until the saved journey expires.
    """

    token = models.CharField(max_length=32, unique=True)
    service_path = models.CharField(max_length=120)
    question_id = models.CharField(max_length=40)
    # A file's name can say whose it is ("Jane Smith passport.pdf").
    file_name = EncryptedTextField(bound_to="token")
    kind = models.CharField(max_length=10)
    size_bytes = models.PositiveIntegerField()
    created_at = models.DateTimeField(db_index=True)
    # The saved journey that holds the upload (its answer names it), if any.
    saved_journey = models.ForeignKey(
        SavedJourney, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When set, the sweep keeps the upload until then (and not past it), instead of
    # counting from created_at: the saved journey's expiry while one holds it, and the
    # restored journey's own span once its link was used.
    held_until = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return self.token


class IdempotentSubmission(models.Model):
    """An application sent through the API with an `Idempotency-Key`: the response it
    got, so that the same request sent again (a client retrying after a lost reply) gets
    the same answer instead of making a second case (journeys/idempotency.py).

    Keys are the client's, scoped to the API key that sent them. The response holds the
    case's reference and fee, no answers; the request is kept only as its SHA-256.
    """

    api_key_id = models.BigIntegerField()
    key = models.CharField(max_length=255)
    request_sha256 = models.CharField(max_length=64)
    response = models.JSONField()
    # 201 for a case made, 202 for an application accepted to be made later.
    status_code = models.PositiveSmallIntegerField(default=201, db_default=201)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key_id", "key"], name="idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"idempotent submission {self.pk}"


class AcceptedApplication(models.Model):
    """An application the API accepted before its case was made (decision 0037).

    Its answers were checked in full when it came in; the worker makes its case under the
    reference the client was given, in one transaction that marks this row recorded and
    clears its answers. The row is kept after that, as the register of the references
    handed out this way (their half of the reference space, platform.references), so that
    no reference is handed out twice.
    """

    reference = models.CharField(max_length=16, unique=True)
    organisation_id = models.BigIntegerField()
    service_slug = models.SlugField(max_length=60)
    service_version = models.PositiveIntegerField()
    language = models.CharField(max_length=8)
    api_key = models.CharField(max_length=64)
    # The checked answers until the case is made; null after.
    answers = EncryptedJSONField(null=True, bound_to="reference")
    accepted_at = models.DateTimeField()
    recorded_at = models.DateTimeField(null=True)
    # Why the worker could not make the case, for an operator; it is not tried again.
    held_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(
                fields=["accepted_at"],
                name="accepted_waiting",
                condition=models.Q(recorded_at__isnull=True, held_reason=""),
            ),
            models.Index(
                fields=["accepted_at"],
                name="accepted_held",
                condition=models.Q(recorded_at__isnull=True) & ~models.Q(held_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return self.reference
