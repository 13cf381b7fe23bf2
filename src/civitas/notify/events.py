"""Staff reading messages: a support view of personal data, so each read is an event."""

from dataclasses import dataclass

from civitas.platform.audit import AuditRecord
from civitas.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class MessagesListed(DomainEvent):
    staff_user_id: str
    organisation: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="messages.listed",
            object_type="messages",
            object_id="recent",
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
        )


@dataclass(frozen=True, kw_only=True)
class MessageViewed(DomainEvent):
    message_id: str
    staff_user_id: str
    organisation: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="message.viewed",
            object_type="message",
            object_id=self.message_id,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
        )
