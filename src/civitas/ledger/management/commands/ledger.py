"""`civitas ledger ...`: verify or witness any Civitas log, and run this one.

    verify   --url URL [--state FILE|DIR] [--key VKEY ...] [--entry N ...] [--promise P ...]
             [--sample N] [--full] [--full-up-to SIZE] [--witness VKEY ... [--require-witnesses K]]
    witness  --url URL --key FILE [--state FILE] [--log-key VKEY ...]
    witness  --serve --key FILE --state DIR --log-key VKEY ... [--listen HOST:PORT]
    integrate                 integrate committed entries now, as the worker does each second
    check [--full] [--clear-broken]   check the stored log against its signed checkpoint
    keygen [NAME]             print a new signer key (secret) and its verifier key
    reset-state --database-was-recreated   forget the checkpoint saved in LEDGER_STATE_DIR

verify and witness talk to the log over HTTP only; they trust nothing the server says
that they cannot check. Every failure is one line naming what failed, and exit status 1.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from civitas.ledger.client import (
    FULL_CHECK_UP_TO,
    VerificationError,
    verify_log,
    witness_checkpoint,
)
from civitas.ledger.floor import (
    largest_trusted_checkpoint,
    reset_saved_checkpoint,
    state_directory,
)
from civitas.ledger.integrity import check_head, check_whole_log
from civitas.ledger.note import KeyFormatError, Signer
from civitas.ledger.queries import log_size
from civitas.ledger.services import clear_broken as resume_appends
from civitas.ledger.services import find_broken_reason, integrate_pending
from civitas.ledger.tlog_witness import PolicyError, WitnessPolicy
from civitas.ledger.witness_server import WitnessConfigurationError
from civitas.ledger.witness_server import serve as serve_witness


def whole_number(text: str) -> int:
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


class Command(BaseCommand):
    help = "Verify, witness, integrate or check the transparency log."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        verify = sub.add_parser("verify", help="verify a log from outside, over HTTP")
        verify.add_argument(
            "--url", required=True, help="the log's API, e.g. https://x/api/v1/ledger"
        )
        verify.add_argument(
            "--state",
            help="file (or directory, one file per log) remembering the largest checkpoint "
            "seen, so that a rolled-back or forked log is caught",
        )
        verify.add_argument(
            "--key",
            dest="keys",
            action="append",
            metavar="VERIFIER_KEY",
            help="trust only this log key (repeatable); default: the state "
            "file's keys, else the log's published keys on first use",
        )
        verify.add_argument(
            "--entry",
            dest="entries",
            action="append",
            type=whole_number,
            default=[],
            metavar="INDEX",
            help="also prove this entry is included (repeatable)",
        )
        verify.add_argument(
            "--promise",
            dest="promises",
            action="append",
            default=[],
            metavar="PROMISE",
            help="check an entry's signed promise, as emailed (repeatable): signed by the "
            "log, and its entry in the signed log unchanged within the promised delay",
        )
        verify.add_argument(
            "--sample",
            type=whole_number,
            default=16,
            help="entries to prove at random (default 16)",
        )
        verify.add_argument(
            "--full", action="store_true", help="recompute the root from every entry"
        )
        verify.add_argument(
            "--full-up-to",
            type=whole_number,
            default=FULL_CHECK_UP_TO,
            metavar="SIZE",
            help=f"recompute the root from every entry when the log has at most SIZE "
            f"(default {FULL_CHECK_UP_TO}; 0: only with --full)",
        )
        verify.add_argument(
            "--witness",
            dest="witnesses",
            action="append",
            metavar="WITNESS_KEY",
            help="a witness's cosignature key (repeatable): the checkpoint must be "
            "cosigned by enough of them",
        )
        verify.add_argument(
            "--require-witnesses",
            "--witness-policy",
            dest="witness_quorum",
            metavar="K",
            help="how many of the --witness keys must have cosigned: K or 'K of N' "
            "(default: a majority)",
        )
        verify.add_argument("--timeout", type=float, default=30.0)

        witness = sub.add_parser(
            "witness", help="check a log and cosign its checkpoint, or --serve as a witness"
        )
        witness.add_argument("--url", help="the log's API (without --serve)")
        witness.add_argument("--key", required=True, help="file holding the witness's signer key")
        witness.add_argument(
            "--state",
            help="default: the key file's name + .state.json; with --serve, a directory",
        )
        witness.add_argument(
            "--serve", action="store_true", help="answer C2SP add-checkpoint requests"
        )
        witness.add_argument("--listen", default="127.0.0.1:7380", help="with --serve: host:port")
        witness.add_argument("--prefix", default="", help="with --serve: URL path prefix")
        witness.add_argument(
            "--log-key",
            dest="log_keys",
            action="append",
            metavar="VERIFIER_KEY",
            help="trust only this log key (repeatable)",
        )
        witness.add_argument("--timeout", type=float, default=30.0)

        sub.add_parser("integrate", help="integrate committed entries now")

        check = sub.add_parser("check", help="check the stored log against its checkpoint")
        check.add_argument("--full", action="store_true", help="check every entry and node")
        check.add_argument(
            "--clear-broken",
            action="store_true",
            help="after a passing --full check, let appends resume",
        )

        reset = sub.add_parser(
            "reset-state",
            help="forget the largest checkpoint saved in LEDGER_STATE_DIR, after the database "
            "was deliberately recreated (a new demo); never after a restore",
        )
        reset.add_argument(
            "--database-was-recreated",
            action="store_true",
            help="confirm that the database was made afresh on purpose and its log starts anew",
        )

        keygen = sub.add_parser("keygen", help="print a new signer key and its verifier key")
        keygen.add_argument("name", nargs="?", help="key name (default: LEDGER_ORIGIN)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"_{action.replace('-', '_')}")(**options)

    def _verify(
        self,
        *,
        url: str,
        state: str | None,
        keys: list[str] | None,
        entries: list[int],
        promises: list[str],
        sample: int,
        full: bool,
        full_up_to: int,
        witnesses: list[str] | None,
        witness_quorum: str | None,
        timeout: float,
        **options: Any,
    ) -> None:
        policy = None
        if witnesses or witness_quorum:
            if not witnesses:
                raise CommandError(
                    "--require-witnesses needs the witnesses' keys: pass each with --witness",
                    returncode=2,
                )
            try:
                policy = WitnessPolicy.parse(witnesses, witness_quorum)
            except PolicyError as error:
                raise CommandError(str(error), returncode=2) from None
        try:
            report = verify_log(
                url,
                state_path=state,
                trusted_keys=keys,
                sample=sample,
                full=full,
                full_up_to=full_up_to,
                entries=entries,
                promises=promises,
                timeout=timeout,
                witness_policy=policy,
            )
        except VerificationError as error:
            raise CommandError(f"verification failed: {error}", returncode=1) from None
        self.stdout.write(report.summary())
        for index in entries:
            self.stdout.write(f"entry {index}: included in the signed log of {report.size} entries")
        self.stdout.write("OK")

    def _witness(
        self,
        *,
        url: str | None,
        key: str,
        state: str | None,
        log_keys: list[str] | None,
        timeout: float,
        serve: bool,
        listen: str,
        prefix: str,
        **options: Any,
    ) -> None:
        if serve:
            if not state or not log_keys:
                raise CommandError("--serve needs --state DIR and --log-key", returncode=2)
            try:
                serve_witness(key=key, state=state, log_keys=log_keys, listen=listen, prefix=prefix)
            except WitnessConfigurationError as error:
                raise CommandError(str(error), returncode=2) from None
            return
        if not url:
            raise CommandError("witness needs --url (or --serve)", returncode=2)
        state_path = state or f"{key}.state.json"
        try:
            line = witness_checkpoint(url, key, state_path, trusted_keys=log_keys, timeout=timeout)
        except VerificationError as error:
            raise CommandError(f"not cosigned: {error}", returncode=1) from None
        # The cosignature line alone on stdout, to append to the checkpoint it vouches for.
        self.stdout.write(line, ending="")

    def _integrate(self, **options: Any) -> None:
        count = integrate_pending()
        reason = find_broken_reason()
        if reason:
            raise CommandError(f"the log is broken and takes no entries: {reason}", returncode=1)
        self.stdout.write(f"integrated {count} entries; the log holds {log_size()}")

    def _check(self, *, full: bool, clear_broken: bool, **options: Any) -> None:
        if clear_broken and not full:
            raise CommandError(
                "--clear-broken needs --full: only a full check can show the "
                "stored log is whole again",
                returncode=2,
            )
        if full:
            result = check_whole_log()
            problem, size = result.problem, result.size
        else:
            head = check_head()
            problem, size = head.problem, head.size
        if problem:
            raise CommandError(f"check failed: {problem}", returncode=1)
        scope = "every entry and node" if full else "the tree head and a sample of entries"
        self.stdout.write(f"{scope} of the log's {size} entries match its signed checkpoint")
        floor = largest_trusted_checkpoint()  # read by the check just made, so readable
        if floor is None:
            self.stdout.write(f"no checkpoint saved in {state_directory()} yet")
        else:
            self.stdout.write(
                f"it extends the checkpoint of {floor.size} entries saved in {state_directory()}"
            )
        reason = find_broken_reason()
        if reason and clear_broken:
            resume_appends()
            self.stdout.write(f"appends resumed (they were stopped because {reason})")
        elif reason:
            raise CommandError(
                f"appends are stopped because {reason}; once the data is "
                "restored, run `civitas ledger check --full --clear-broken`",
                returncode=1,
            )

    def _reset_state(self, *, database_was_recreated: bool, **options: Any) -> None:
        if not database_was_recreated:
            raise CommandError(
                "reset-state forgets the checkpoint that lets the platform refuse a rolled-back "
                "database. Use it only when the database was deliberately recreated, and "
                "confirm with --database-was-recreated",
                returncode=2,
            )
        forgotten = reset_saved_checkpoint()
        where = state_directory()
        if forgotten is None:
            self.stdout.write(f"no saved checkpoint of log {settings.LEDGER_ORIGIN} in {where}")
        else:
            self.stdout.write(
                f"forgot the saved checkpoint of {forgotten.size} entries of log "
                f"{forgotten.origin} in {where}; the next checkpoint signed is saved instead"
            )
        try:
            reason = find_broken_reason()
        except DatabaseError:
            return  # a database not yet made (`make demo` resets before it migrates)
        if reason:
            self.stdout.write(
                f"appends are still stopped ({reason}): run "
                "`civitas ledger check --full --clear-broken` to resume them"
            )

    def _keygen(self, *, name: str | None, **options: Any) -> None:
        try:
            signer = Signer.generate(name or settings.LEDGER_ORIGIN)
        except KeyFormatError as error:
            raise CommandError(str(error), returncode=2) from None
        # The secret key on stdout (redirect it to a file); the public key on stderr.
        self.stdout.write(signer.key_string())
        self.stderr.write(f"verifier key: {signer.verifier_key()}")
