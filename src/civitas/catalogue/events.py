"""What happens in the catalogue, announced for the handlers in the wiring table."""

from dataclasses import dataclass
from typing import ClassVar

from civitas.platform.audit import AuditRecord
from civitas.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class _VersionStored(DomainEvent):
    """A version of a service definition was stored: what every such event holds."""

    audit_action: ClassVar[str]

    organisation: str
    slug: str
    version: int
    sha256: str
    """The content hash of the YAML as published: anyone holding it can check it."""
    published_by: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action=self.audit_action,
            object_type="service",
            object_id=f"{self.organisation}/{self.slug}@{self.version}",
            actor_type="staff",
            actor_id=self.published_by,
            organisation=self.organisation,
            details={"sha256": self.sha256},
        )


@dataclass(frozen=True, kw_only=True)
class ServicePublished(_VersionStored):
    """A new version of a service definition went live."""

    audit_action: ClassVar[str] = "service.published"


@dataclass(frozen=True, kw_only=True)
class DraftPublished(_VersionStored):
    """A draft version of a service was stored for its organisation's staff to preview.

    Not in the transparency log: a draft serves no citizen. Its promotion is logged as
    any publication is (ServicePublished)."""

    audit_action: ClassVar[str] = "service.draft_published"
