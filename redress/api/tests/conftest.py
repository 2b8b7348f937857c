import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from redress.access.models import ApiToken

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def bearer_client(staff, **headers) -> Client:
    """A client that sends a real token of `staff`, the way an integrating system would."""
    return Client(headers={"Authorization": f"Bearer {ApiToken.issue(staff)}", **headers})


@pytest.fixture
def as_staff(bank):
    return bearer_client


def case_payload(bank, **overrides) -> dict:
    """A valid JSON registration of a complaint about outlet A1-1."""
    body = {
        "kind": "complaint",
        "channel": "counter",
        "received_at": (timezone.localtime() - dt.timedelta(hours=1)).isoformat(),
        "complainant": {
            "name": "张三",
            "phone": "138 1234 5678",
            "id_number": "11010519491231002X",
            "vip": True,
            "anonymous": False,
            "confidential": True,
        },
        "subject_unit": bank.outlet_a1_1.code,
        "subject_staff": bank.subject.username,
        "matter": "柜台办理转账时等候时间过长，柜员态度冷淡。",
        "demand": "要求网点道歉并改进服务。",
        "category": "service_attitude",
        "business_category": "银行卡/信用卡",
        "amount": "1200.5",
        "product": "借记卡",
        "flags": ["legal_dispute"],
    }
    body.update(overrides)
    return body
