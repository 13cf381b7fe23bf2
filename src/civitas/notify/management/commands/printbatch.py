"""`civitas printbatch close`: closes the open print batch now, before its cut-off;
`civitas printbatch close-due`: what the workers do every minute (closes batches past
their cut-off). Both are safe to repeat: a closed batch is never written again."""

from django.core.management.base import BaseCommand, CommandParser

from civitas.notify.printing import close_batch, close_due_print_batches, close_open_batch


class Command(BaseCommand):
    help = "Close the print outbox's open batch now (or a named one): write its manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["close", "close-due"])
        parser.add_argument("--batch", help="the batch to close, by its day (2026-12-03)")

    def handle(self, *args: object, action: str, batch: str | None, **options: object) -> None:
        if action == "close-due":
            closed = close_due_print_batches()
            self.stdout.write(f"closed: {', '.join(closed) or 'none due'}")
            return
        if batch:
            done = close_batch(batch)
            self.stdout.write(f"{batch}: {'closed' if done else 'already closed or empty'}")
            return
        name = close_open_batch()
        self.stdout.write(f"{name}: closed" if name else "no letters waiting")
