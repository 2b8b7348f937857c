"""The `redress` console command: Django's management commands with Redress's settings preset."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "redress.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        # `redress load-demo` reads better than Django's `load_demo`; both work.
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["redress", *args])


if __name__ == "__main__":
    main()
