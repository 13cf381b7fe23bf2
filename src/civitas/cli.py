"""The `civitas` command: Django's management commands under one name.

`civitas services validate PATH...`, `civitas worker`, `civitas migrate`, ...
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civitas.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["civitas", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
