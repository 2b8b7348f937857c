"""gunicorn's access log without what identifies a member of the public (issue 14 item 7; decision 0030):
for a request to a public path the line keeps the method, the path without its receipt, the status and the
timing, and shows "-" for the client's address, its user agent, referrer, every request header and the
environment. `redress serve` names this class (`--logger-class`); other paths are logged as gunicorn does."""

from __future__ import annotations

from gunicorn.glogging import Logger

from redress.common.logs import is_public, without_secrets

_IDENTIFYING = ("h", "u", "f", "a")


class PublicRequestsLogger(Logger):
    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        if not is_public(environ.get("PATH_INFO") or ""):
            return atoms
        for key in list(atoms):
            if key in _IDENTIFYING or key.endswith(("}i", "}e")):
                atoms[key] = "-"
        # The request line without its query (the status page's code travels there) nor the receipt.
        path = without_secrets(environ.get("PATH_INFO") or "")
        atoms["r"] = f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
        atoms["U"] = path
        atoms["q"] = "-"
        return atoms
