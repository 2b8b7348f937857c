"""gunicorn's access log keeps no trace of who sent a public request, nor the receipt in its path."""

import datetime as dt
import logging

from gunicorn.config import Config
from gunicorn.http.wsgi import Response

from redress.core.gunicorn_logging import PublicRequestsLogger


class _Request:
    def __init__(self, headers):
        self.headers = headers


def _line(path: str, caplog, query: str = "") -> str:
    config = Config()
    config.set("accesslog", "-")
    logger = PublicRequestsLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?{query}" if query else path,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.77",
        "HTTP_USER_AGENT": "SenderBrowser/9.9",
        "HTTP_REFERER": "https://sender.example/",
    }
    headers = [("USER-AGENT", "SenderBrowser/9.9"), ("X-FORWARDED-FOR", "198.51.100.23")]
    response = Response(_Request(headers), None, config)
    response.status = "200 OK"
    response.headers = []
    response.sent = 10
    logger.access_log.handlers = []
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        logger.access_log.propagate = True
        logger.access(response, _Request(headers), environ, dt.timedelta(milliseconds=5))
    return caplog.records[-1].getMessage()


def test_a_public_request_is_logged_without_address_headers_or_receipt(caplog):
    line = _line("/api/v1/public/reports/40718265390214837765", caplog)
    assert "/api/v1/public/reports/…" in line and " 200 " in line
    for trace in ("203.0.113.77", "198.51.100.23", "SenderBrowser", "sender.example", "40718265390214837765"):
        assert trace not in line, trace


def test_a_staff_request_is_logged_as_gunicorn_does(caplog):
    line = _line("/api/v1/cases", caplog)
    assert "203.0.113.77" in line and "SenderBrowser" in line


def test_the_status_look_up_is_logged_without_its_code(caplog):
    line = _line("/api/v1/public/status", caplog, query="number=TS2026000128&code=493027518846")
    assert "/api/v1/public/status" in line
    assert "493027518846" not in line and "TS2026000128" not in line
