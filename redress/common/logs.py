"""What the logs may not carry of the public's requests (issue 14 item 7; decision 0030): a receipt travels in
the path of the public API (`/api/v1/public/reports/<receipt>`), and a reporter's address, browser and
referrer identify them. Lines about a request to a public path keep the path without what follows the
public prefix's collection; Django's request logger loses the request it attaches (its headers), and the
access log leaves the client's address and headers out (redress.core.gunicorn_logging)."""

from __future__ import annotations

import logging
import re

# The paths served without a login: the public API and the public pages.
PUBLIC_PREFIXES = ("/api/v1/public/", "/public/")
_SECRET_IN_PATH = re.compile(r"(/public/(?:reports|status)/)[^/\s'\"?]+")
HIDDEN = "…"


def is_public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


def without_secrets(text: str) -> str:
    """`text` with the receipt (or any code) of a public path replaced by an ellipsis."""
    return _SECRET_IN_PATH.sub(r"\1" + HIDDEN, text)


class HidePublicRequests(logging.Filter):
    """On a logger (Django's `django.request`): a record about a public path keeps neither
    the code in its path nor the request (and with it the address and headers) Django attaches to it."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", "") or ""
        if isinstance(record.msg, str):
            record.msg = without_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(without_secrets(a) if isinstance(a, str) else a for a in record.args)
        if request is not None and is_public(path):
            record.request = None
        return True
