"""The case page's records, every kind in the one list layout (web/_record_list.html): each shows its title,
when and by whom, its words and its label → value rows, escaped."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from redress.cases.models import (
    Chase,
    CompensationApproval,
    CustomerContact,
    Escalation,
    FollowUp,
    Instruction,
    Investigation,
    LegalReferral,
    ResultReport,
    SafetyRecord,
    TransferOrder,
    Withdrawal,
)
from redress.deadlines.models import Extension
from redress.escalation.models import Accountability, SupervisionNotice
from redress.referrals.models import Referral
from redress.web.records import KINDS

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=BEIJING)
SHOWN_AT = "2026-03-02 09:30"


def _dated(model, record, field="created_at"):
    model.objects.filter(pk=record.pk).update(**{field: AT})


def _every_kind(bank):
    case = bank.register()
    order = TransferOrder.objects.create(
        case=case,
        by=bank.teller,
        created_at=AT,
        from_unit=bank.outlet_a1_1,
        to_unit=bank.dept_a_pb,
        note="请<核查>",
        handler=bank.handler,
    )
    TransferOrder.MOVES.move(
        TransferOrder.objects.filter(pk=order.pk), "bounce", bounced_at=AT, bounce_reason="不归本部门"
    )
    SupervisionNotice.objects.create(
        case=case,
        issued_level="province",
        to_unit=bank.outlet_a1_1,
        reason="逾期未办",
        issued_at=AT,
        due_at=AT,
    )
    Accountability.objects.create(case=case, unit=bank.dept_a_pb, rule="plan_clock_overrun", note="追责")
    _dated(
        ResultReport,
        ResultReport.objects.create(
            case=case,
            by=bank.handler,
            findings="查明\n属实",
            staff_handling="批评教育",
            lessons="加强引导",
            rectification="增开窗口",
            customer_satisfaction="satisfied",
            handled_at=AT,
            handler_name="个金部经办",
            handler_phone="13912345678",
        ),
    )
    CustomerContact.objects.create(
        case=case, by=bank.teller, at=AT, method="written", note="处理决定", is_reply=True, remedies="仲裁"
    )
    follow_up = FollowUp.objects.create(case=case, by=bank.teller, satisfaction="dissatisfied", note="不满")
    _dated(FollowUp, follow_up)
    _dated(
        Escalation,
        Escalation.objects.create(
            case=case,
            by=bank.teller,
            from_level="outlet",
            to_level="branch",
            to_unit=bank.branch_a,
            reason="网点无法解决",
            trigger="overdue",
        ),
    )
    _dated(Instruction, Instruction.objects.create(case=case, by=bank.office, text="请认真核查"))
    _dated(Chase, Chase.objects.create(case=case, by=bank.teller, note="", to_head=True))
    withdrawal = Withdrawal.objects.create(case=case, by=bank.teller, voluntary=False, reason="被迫撤诉")
    _dated(Withdrawal, withdrawal)
    Investigation.objects.create(
        case=case, by=bank.teller, withdrawal=withdrawal, state="concluded", findings="查实施压"
    )
    _dated(
        CompensationApproval,
        CompensationApproval.objects.create(
            case=case,
            by=bank.handler,
            amount=Decimal("12345.5"),
            business_line=bank.dept_a_pb,
            approver_name="个金部负责人",
            note="一次性",
        ),
    )
    _dated(LegalReferral, LegalReferral.objects.create(case=case, by=bank.teller, note="客户拟起诉"))
    Referral.objects.create(
        case=case,
        body="湖北监管局",
        reference="鄂金转12号",
        referred_at=AT,
        due_at=AT,
        recorded_by=bank.teller,
        reply="已答复",
        replied_at=AT,
        replied_by=bank.teller,
    )
    _dated(
        SafetyRecord,
        SafetyRecord.objects.create(
            case=case, by=bank.teller, incident="drunk", police_called=True, note="醉酒吵闹"
        ),
    )
    extension = Extension.objects.create(
        clock=case.clocks.get(name="reply"),
        step=1,
        new_amount=Decimal("7.50"),
        reason="需外部鉴定",
        requested_by=bank.teller,
    )
    Extension.MOVES.move(
        Extension.objects.filter(pk=extension.pk), "approve", decided_by=bank.office, decided_at=AT
    )
    extension.refresh_from_db()
    _dated(Extension, extension, "requested_at")
    return case


def _items(html: str, heading: str) -> list[str]:
    """The text of each record listed under `heading`, tags dropped and spaces collapsed."""
    part = html.split(f">{heading}</h", 1)[1]
    listing = re.search(r'<ul class="records">(.*?)</ul>', part, re.S).group(1)
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
        for item in re.findall(r"<li>(.*?)</li>", listing, re.S)
    ]


def test_every_kind_of_record_is_shown_with_its_labels_and_values(client, bank):
    case = _every_kind(bank)
    client.force_login(bank.admin)
    html = client.get(reverse("web:case", args=[case.number])).content.decode()
    teller, handler, office = bank.teller.name, bank.handler.name, bank.office.name
    when_teller, when_handler, when_office = (f"{SHOWN_AT} · {who}" for who in (teller, handler, office))
    expected = {  # heading: the words of its one record, in order
        "延期": ("答复客户 → 7.5 已批准", when_teller, "需外部鉴定", "审批人", when_office),
        "转办单": (
            "甲一支行营业部 → 甲分行个人金融部 已退回 打印转办单",
            "签发",
            when_teller,
            "办理时限 — 承办人",
            handler,
            "备注 请&lt;核查&gt;",
            f"已退回 {SHOWN_AT} · 不归本部门",
        ),
        "督办单": (
            "#1 省行 → 甲一支行营业部 进行中 打印督办单",
            f"签发 {SHOWN_AT} 新的办理时限 {SHOWN_AT}",
            "原因 逾期未办",
        ),
        "处理结果报告单": (
            f"个金部经办 13912345678 {SHOWN_AT} 打印处理结果报告单",
            "事由及调查情况 查明 属实 对责任人的处理 批评教育 经验教训 加强引导",
            "整改措施 增开窗口 客户满意度 满意 填报",
            when_handler,
        ),
        "联系客户与答复": ("处理决定告知 书面告知已送达", when_teller, "处理决定 已告知的救济途径 仲裁"),
        "回访": ("不满意", when_teller, "不满"),
        "升级": ("网点 → 分行 (甲分行)", when_teller, "· 逾期 网点无法解决"),
        "批示": (when_office, "请认真核查"),
        "催办": ("已报告部门负责人", when_teller, "—"),
        "撤诉": ("受到施压", when_teller, "被迫撤诉 调查 已结束 查实施压"),
        "赔偿审批": ("12,345.50 元 · 甲分行个人金融部", when_handler, "审批人 个金部负责人 备注 一次性"),
        "移交法律顾问": (when_teller, "· 已报告领导 客户拟起诉"),
        "转来部门": (
            "湖北监管局 已答复",
            when_teller,
            "已答复",
            "对方文号 鄂金转12号 转来部门要求的回复期限",
            SHOWN_AT,
            "回复时间",
            when_teller,
        ),
        "安全记录": ("客户醉酒", when_teller, "醉酒吵闹 已通知保卫部门 否 已报警 是 有录像记录 否"),
    }
    for heading, words in expected.items():
        assert _items(html, heading) == [" ".join(words)], heading
    assert _items(html, "问责记录")[0].startswith("甲分行个人金融部 ")
    assert _items(html, "问责记录")[0].endswith(
        "单位 甲分行个人金融部 规则 应急预案期间：超出预案规定的处理时限。 备注 追责"
    )
    assert html.count('<ul class="records">') == len(KINDS)
