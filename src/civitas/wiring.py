"""The one place where the domains are wired together, and into the kernel.

The kernel (`civitas.platform`) knows no domain. What it runs of theirs is declared here,
in tables it reads by the name in the `CIVITAS_WIRING` setting when it first needs them:

- `EVENT_HANDLERS` names, for each domain event, the handlers that run inside the
  transaction that made the change (in order: the audit trail, the transparency log, the
  outbox) and those that run after it commits. A domain announces an event with
  `civitas.platform.events.publish`; it never calls another component to react to it.
- `PERIODIC_JOBS`: what every `civitas worker` runs beside its queue, and how often (each
  worker adds its own heartbeat). A job must be safe to run in several workers at once.
- `WORKER_LOOPS`: loops every `civitas worker` runs in threads of their own.
- `HEALTH_CHECKS`: the parts of /healthz besides the database and the queue. A critical
  part not "ok" makes /healthz answer 503; a dependency whose failure the platform absorbs
  for a while (`critical=False`) makes it 200 "degraded".

This module sits above every domain (like settings and urls): it may import any domain's
`events` and `handlers` modules and `public` API, and nothing imports it except the
kernel, lazily, by the name in the `CIVITAS_WIRING` setting.
"""

from civitas.cases import handlers as cases
from civitas.cases.public import (
    ApplicantReplied,
    ApplicationSubmitted,
    CaseAssigned,
    CaseDecided,
    CaseFileDownloaded,
    CaseLabelChanged,
    CaseMoved,
    CaseNoteAdded,
    CaseRecordsErased,
    CasesExported,
    CasesSearched,
    MessageSentToApplicant,
    OpinionGiven,
    OpinionRequested,
    PersonalDataViewed,
    SensitiveAnswersShown,
    apply_due_timers,
    apply_retention,
    case_files_left,
    cases_left_to_reindex,
    reindex_batch,
    reseal_case_files,
)
from civitas.catalogue import handlers as catalogue
from civitas.catalogue.public import DraftPublished, ServicePublished
from civitas.identity.public import (
    AccountEmailDue,
    ApiKeyCreated,
    ApiKeyRevoked,
    AuditTrailExported,
    FieldKeyRotationStarted,
    OrganisationChosen,
    PasswordChecked,
    SecurityCodeChecked,
    SignedOutEverywhere,
    SingleSignOnChecked,
    StaffDeactivated,
    StaffInviteAccepted,
    StaffInvited,
    TeamChanged,
    TwoFactorSetUp,
    delete_ended_account_links,
)
from civitas.insights import handlers as insights
from civitas.insights.public import (
    ChannelCostsSet,
    ChannelVolumesEntered,
    FeedbackRead,
    HistoryImported,
    PerformanceViewed,
    roll_up_cases,
    roll_up_journey_events,
)
from civitas.journeys import handlers as journeys
from civitas.journeys.public import (
    AbandonedJourneysDeleted,
    CheckAnswersReached,
    JourneyAnswersRefused,
    JourneyPageReached,
    JourneyStarted,
    JourneySubmitted,
    check_accepted_applications,
    delete_abandoned_journeys,
    delete_abandoned_uploads,
    delete_expired_idempotency_keys,
    delete_expired_saved_journeys,
    record_waiting_accepted_applications,
    reseal_uploads,
    uploads_left,
)
from civitas.ledger.public import (
    LogFoundBroken,
    integrate_pending,
    ledger_health_report,
    run_witness_pusher,
    witnessing_health,
)
from civitas.notify import handlers as notify
from civitas.notify.public import (
    FieldSource,
    MessagesListed,
    MessageViewed,
    check_messages,
    check_print_outbox,
    check_smtp,
    close_due_print_batches,
    letter_files_left,
    requeue_due_callbacks,
    reseal_letter_files,
    run_dispatcher,
)
from civitas.pay import handlers as pay
from civitas.pay.public import (
    PaymentSucceeded,
    ReconciliationViewed,
    RefundRequested,
    TelephonePaymentStarted,
    check_payments,
    run_poller,
    send_due_refunds,
)
from civitas.platform.events import EventTable, Handlers
from civitas.platform.files.scanners import check_scanner
from civitas.platform.handlers import record_audit_trail
from civitas.platform.health import HealthPart
from civitas.platform.heartbeat import check_workers
from civitas.platform.key_rotation import Resealer, continue_key_rotations
from civitas.platform.periodic import PeriodicJob, WorkerLoop
from civitas.platform.ratelimit import delete_ended_windows

EVENT_HANDLERS: EventTable = {
    # Cases
    ApplicationSubmitted: Handlers(
        in_transaction=(
            record_audit_trail,
            cases.refuse_while_log_stopped,
            # Its log entry is appended by the worker, from the email's outbox row, just
            # before the email goes out (decision 0065).
            cases.email_submission_confirmation,
        ),
    ),
    CaseDecided: Handlers(
        in_transaction=(
            record_audit_trail,
            cases.log_decision,
            cases.email_decision,
            cases.refund_when_refused,
        ),
    ),
    PersonalDataViewed: Handlers(
        in_transaction=(record_audit_trail, cases.log_personal_data_view),
    ),
    SensitiveAnswersShown: Handlers(
        in_transaction=(record_audit_trail, cases.log_sensitive_answers_shown),
    ),
    CaseFileDownloaded: Handlers(in_transaction=(record_audit_trail,)),
    CaseMoved: Handlers(in_transaction=(record_audit_trail, cases.close_unpaid)),
    MessageSentToApplicant: Handlers(in_transaction=(record_audit_trail,)),
    ApplicantReplied: Handlers(in_transaction=(record_audit_trail,)),
    CaseAssigned: Handlers(in_transaction=(record_audit_trail,)),
    CasesSearched: Handlers(in_transaction=(record_audit_trail,)),
    CaseNoteAdded: Handlers(in_transaction=(record_audit_trail,)),
    CaseLabelChanged: Handlers(in_transaction=(record_audit_trail,)),
    OpinionRequested: Handlers(in_transaction=(record_audit_trail,)),
    OpinionGiven: Handlers(in_transaction=(record_audit_trail,)),
    CasesExported: Handlers(in_transaction=(record_audit_trail,)),
    CaseRecordsErased: Handlers(in_transaction=(record_audit_trail, cases.log_records_erased)),
    # Journeys
    AbandonedJourneysDeleted: Handlers(
        in_transaction=(record_audit_trail, journeys.log_abandoned_journeys_deleted)
    ),
    # What citizens do in journeys, for the performance figures: kept in memory and
    # written in batches (decision 0057); publishing them opens no transaction.
    JourneyStarted: Handlers(in_transaction=(insights.record_journey_activity,)),
    JourneyPageReached: Handlers(in_transaction=(insights.record_journey_activity,)),
    JourneyAnswersRefused: Handlers(in_transaction=(insights.record_journey_activity,)),
    CheckAnswersReached: Handlers(in_transaction=(insights.record_journey_activity,)),
    JourneySubmitted: Handlers(in_transaction=(insights.record_journey_activity,)),
    # Catalogue
    ServicePublished: Handlers(
        in_transaction=(
            record_audit_trail,
            catalogue.log_publication,
            cases.make_message_templates,
        ),
        after_commit=(catalogue.serve_the_new_version,),
    ),
    DraftPublished: Handlers(in_transaction=(record_audit_trail,)),
    # Identity
    PasswordChecked: Handlers(in_transaction=(record_audit_trail,)),
    SingleSignOnChecked: Handlers(in_transaction=(record_audit_trail,)),
    SecurityCodeChecked: Handlers(in_transaction=(record_audit_trail,)),
    OrganisationChosen: Handlers(in_transaction=(record_audit_trail,)),
    ApiKeyCreated: Handlers(in_transaction=(record_audit_trail,)),
    AuditTrailExported: Handlers(in_transaction=(record_audit_trail,)),
    ApiKeyRevoked: Handlers(in_transaction=(record_audit_trail,)),
    TeamChanged: Handlers(in_transaction=(record_audit_trail,)),
    StaffInvited: Handlers(in_transaction=(record_audit_trail, notify.email_staff_invite)),
    StaffInviteAccepted: Handlers(in_transaction=(record_audit_trail,)),
    TwoFactorSetUp: Handlers(in_transaction=(record_audit_trail,)),
    StaffDeactivated: Handlers(in_transaction=(record_audit_trail,)),
    SignedOutEverywhere: Handlers(in_transaction=(record_audit_trail,)),
    # A citizen account's email: queued in the transaction that made its link.
    AccountEmailDue: Handlers(in_transaction=(notify.email_account_holder,)),
    FieldKeyRotationStarted: Handlers(in_transaction=(record_audit_trail,)),
    # Notify
    MessagesListed: Handlers(in_transaction=(record_audit_trail,)),
    MessageViewed: Handlers(in_transaction=(record_audit_trail,)),
    # Payments: the case moves on (and its confirmation and receipt go out) in the
    # transaction that records the success, exactly once.
    PaymentSucceeded: Handlers(in_transaction=(record_audit_trail, cases.take_payment)),
    RefundRequested: Handlers(in_transaction=(record_audit_trail, pay.log_refund)),
    TelephonePaymentStarted: Handlers(in_transaction=(record_audit_trail,)),
    ReconciliationViewed: Handlers(in_transaction=(record_audit_trail,)),
    # Insights
    PerformanceViewed: Handlers(in_transaction=(record_audit_trail,)),
    FeedbackRead: Handlers(in_transaction=(record_audit_trail,)),
    ChannelVolumesEntered: Handlers(in_transaction=(record_audit_trail,)),
    ChannelCostsSet: Handlers(in_transaction=(record_audit_trail,)),
    HistoryImported: Handlers(in_transaction=(record_audit_trail,)),
    # Transparency log
    LogFoundBroken: Handlers(in_transaction=(record_audit_trail,)),
}

# Words of a message filled in by the dispatcher just before it is sent
# (notify/late_fields.py): a submission's log entry, appended then (decision 0065).
MESSAGE_FIELD_SOURCES = (FieldSource(cases.SUBMITTED_ENTRY_SOURCE, cases.fill_submitted_entries),)

WORKER_LOOPS = (
    # Hands due messages to their providers, a batch at a time, over connections kept open
    # (the outbox is the queue: decision 0042).
    WorkerLoop("notify.dispatcher", run_dispatcher),
    # Payments whose payer never came back, or whose creation got no answer: asked of
    # the provider until they finish (rounds claim their payments: workers share them).
    WorkerLoop("pay.poller", run_poller),
    # Each new checkpoint goes to the log's witnesses until they cosign it (at least once,
    # with a back-off per witness): in a thread of its own, so a slow witness never
    # delays integration. A witness cosigning twice is harmless.
    WorkerLoop("ledger.witness_pusher", run_witness_pusher),
)

PERIODIC_JOBS = (
    # Workflow timers ("after 14 days waiting for the citizen, close"): each due case moves
    # once, however many workers run it (a compare-and-set on the case's version).
    PeriodicJob("cases.apply_due_timers", apply_due_timers, every_seconds=60),
    PeriodicJob(
        "platform.delete_ended_rate_limit_windows", delete_ended_windows, every_seconds=300
    ),
    # The day's letters go to the printer at the cut-off (17:30): the batch's manifest is
    # written once, whichever worker gets there first (a lock on the print outbox).
    PeriodicJob("notify.close_due_print_batches", close_due_print_batches, every_seconds=60),
    # Services' callbacks whose job was lost or whose back-off is over.
    PeriodicJob("notify.requeue_due_callbacks", requeue_due_callbacks, every_seconds=5),
    # Every worker integrates; the tree state row lock keeps batches from overlapping.
    PeriodicJob("ledger.integrate_pending", integrate_pending, every_seconds=1),
    # Saved answers are kept no longer than their emailed link works.
    PeriodicJob(
        "journeys.delete_expired_saved_journeys", delete_expired_saved_journeys, every_seconds=300
    ),
    # Applications accepted through the API whose job has not made their case: what makes
    # their recording at least once.
    PeriodicJob(
        "journeys.record_waiting_accepted_applications",
        record_waiting_accepted_applications,
        every_seconds=1,
    ),
    # Files uploaded in journeys that were never submitted.
    PeriodicJob("journeys.delete_abandoned_uploads", delete_abandoned_uploads, every_seconds=600),
    # Citizens' emailed links, a day after they expired.
    PeriodicJob(
        "identity.delete_ended_account_links", delete_ended_account_links, every_seconds=3600
    ),
    # Retention: what each service keeps no longer, deleted or anonymised and recorded.
    # A batch per service and kind a run, every minute: short, as the sweeps share a thread.
    PeriodicJob("cases.apply_retention", apply_retention, every_seconds=60),
    PeriodicJob(
        "journeys.delete_abandoned_journeys", delete_abandoned_journeys, every_seconds=3600
    ),
    # A key rotation's batches are queued jobs; this queues again one whose job was lost.
    PeriodicJob("platform.continue_key_rotations", continue_key_rotations, every_seconds=60),
    # Responses kept for API submissions retried with the same Idempotency-Key.
    PeriodicJob(
        "journeys.delete_expired_idempotency_keys",
        delete_expired_idempotency_keys,
        every_seconds=600,
    ),
    # Refunds written and not yet sent to the provider (or sent, and not yet finished).
    PeriodicJob("pay.send_due_refunds", send_due_refunds, every_seconds=10),
    # Journey events counted into the daily counts the figures read, and journeys left
    # alone for the session's lifetime recorded as abandoned (a lock on the cursor).
    PeriodicJob("insights.roll_up_journey_events", roll_up_journey_events, every_seconds=30),
    # Cases submitted and decided this month counted again by day, by channel, for the
    # figures (the first run counts every case: the backfill).
    PeriodicJob("insights.roll_up_cases", roll_up_cases, every_seconds=120),
)

# What a key rotation re-seals besides the encrypted columns of every model, which it
# finds by itself (platform/key_rotation.py): the sealed files, and the search digests
# keyed with a key derived from the current one.
KEY_ROTATION = (
    Resealer("files:cases", reseal_case_files, case_files_left),
    Resealer("files:journeys", reseal_uploads, uploads_left),
    Resealer("files:letters", reseal_letter_files, letter_files_left),
    Resealer("search:cases", reindex_batch, cases_left_to_reindex),
)

HEALTH_CHECKS = (
    # No live worker: no emails, no sweeps, no ledger integration.
    HealthPart("worker", check_workers),
    HealthPart("messages", check_messages),
    # An unreachable relay is retried with back-off; it becomes critical as "messages".
    HealthPart("smtp", check_smtp, critical=False),
    # Letters wait for a batch that should have closed: they are not lost, only late.
    HealthPart("print_outbox", check_print_outbox, critical=False),
    # Payments and refunds waiting on the poller or the provider: late, never lost.
    HealthPart("payments", check_payments, critical=False),
    HealthPart("ledger", ledger_health_report),
    # Accepted through the API, not yet made cases: they wait, none is lost (0037).
    HealthPart("accepted_applications", check_accepted_applications, critical=False),
    # Uploads are refused while it is down (fail closed); everything else works.
    HealthPart("virus_scanner", check_scanner, critical=False),
    # Checkpoints not cosigned by enough witnesses for a while: the log works, but those
    # who require witnesses see only older checkpoints.
    HealthPart("ledger_witnesses", witnessing_health, critical=False),
)
