from django.db import models


class ServiceVersion(models.Model):
    """One published version of a service definition. Versions are never edited."""

    class Status(models.TextChoices):
        LIVE = "live"
        RETIRED = "retired"

    slug = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LIVE)
    source = models.TextField(help_text="The YAML exactly as published.")
    sha256 = models.CharField(max_length=64)
    definition = models.JSONField()
    published_at = models.DateTimeField()
    published_by = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="service_version_unique"),
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(status="live"),
                name="one_live_version_per_service",
            ),
        ]
        indexes = [models.Index(fields=["status", "slug"])]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"
