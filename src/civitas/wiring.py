"""The one place where the domains are wired together.

`EVENT_HANDLERS` names, for each domain event, the handlers that run inside the
transaction that made the change (in order: the audit trail, the transparency log, the
outbox) and those that run after it commits. A domain announces an event with
`civitas.platform.events.publish`; it never calls another component to react to it.

This module sits above every domain (like settings and urls): it may import any domain's
`events` and `handlers` modules and `public` API, and nothing imports it except the
kernel, lazily, by the name in the `CIVITAS_WIRING` setting.
"""

from civitas.cases import handlers as cases
from civitas.cases.public import ApplicationSubmitted, CaseDecided, PersonalDataViewed
from civitas.catalogue import handlers as catalogue
from civitas.catalogue.public import ServicePublished
from civitas.identity.public import OrganisationChosen, PasswordChecked, SecurityCodeChecked
from civitas.ledger.public import LogFoundBroken
from civitas.notify.public import MessagesListed, MessageViewed
from civitas.platform.events import EventTable, Handlers
from civitas.platform.handlers import record_audit_trail

EVENT_HANDLERS: EventTable = {
    # Cases
    ApplicationSubmitted: Handlers(
        in_transaction=(
            record_audit_trail,
            # The log before the email: the email quotes the log entry's number.
            cases.log_submission,
            cases.email_submission_confirmation,
        ),
    ),
    CaseDecided: Handlers(
        in_transaction=(record_audit_trail, cases.log_decision, cases.email_decision),
    ),
    PersonalDataViewed: Handlers(
        in_transaction=(record_audit_trail, cases.log_personal_data_view),
    ),
    # Catalogue
    ServicePublished: Handlers(
        in_transaction=(record_audit_trail, catalogue.log_publication),
        after_commit=(catalogue.serve_the_new_version,),
    ),
    # Identity
    PasswordChecked: Handlers(in_transaction=(record_audit_trail,)),
    SecurityCodeChecked: Handlers(in_transaction=(record_audit_trail,)),
    OrganisationChosen: Handlers(in_transaction=(record_audit_trail,)),
    # Notify
    MessagesListed: Handlers(in_transaction=(record_audit_trail,)),
    MessageViewed: Handlers(in_transaction=(record_audit_trail,)),
    # Transparency log
    LogFoundBroken: Handlers(in_transaction=(record_audit_trail,)),
}
