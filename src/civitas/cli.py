"""The `civitas` command: Django's management commands under one name.

`civitas services validate PATH...`, `civitas worker`, `civitas migrate`, ...

`civitas rules ...` starts without ``django.setup()``: the rules engine uses no database,
models, apps or URLs, so loading every app and running the system checks (most of two
seconds, before a rule is read) would be spent on nothing. Only the settings are read, for
the language dates are written in. `civitas ledger witness --serve` likewise: a witness
run by another organisation has no database, only its key and its state directory.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civitas.settings")
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["rules"]:
        from civitas.rules.commands import main as rules_main

        status = rules_main(args[1:])
        if status:
            raise SystemExit(status)
        return
    if args[:2] == ["ledger", "witness"] and "--serve" in args:
        from civitas.ledger.witness_server import main as witness_main

        status = witness_main(args[2:])
        if status:
            raise SystemExit(status)
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["civitas", *args])


if __name__ == "__main__":
    main()
