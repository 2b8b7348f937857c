"""The default SMS gateway writes to the log: quietly, and never a full phone number."""

import logging

from redress.notifications.channels import LogGateway


def test_the_log_gateway_masks_the_number_and_stays_below_info(caplog):
    with caplog.at_level(logging.DEBUG, logger="redress.notifications.channels"):
        reference = LogGateway().send("13812345678", "案件 TS2026000001 已转交你单位，请签收")
    (record,) = caplog.records
    assert record.levelno == logging.DEBUG
    assert "13812345678" not in record.getMessage() and "138****5678" in record.getMessage()
    assert reference.startswith("log-")
