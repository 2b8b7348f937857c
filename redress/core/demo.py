"""The demo bank: a head office, one provincial branch, two branches with their sub-branches and outlets, the
cast of users named in README.md ("Demo users"), and about 600 cases over the last 90 days.

Everything is made through the organisation and cases services, so the demo data is what real use would make
(case numbers, flags, events). A seeded random generator makes every load the same bank; loading twice adds
nothing. Demo users (`is_demo`) can log in only while REDRESS_DEMO=1.
"""

from __future__ import annotations

import datetime as dt
import random
from contextlib import suppress
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from redress import lifecycle
from redress.cases.choices import Category, Channel, Kind, State
from redress.cases.models import Case
from redress.cases.services import RegistrationData
from redress.common.errors import FieldErrors
from redress.common.validators import InvalidValue, id_check_digit, normalise_phone
from redress.lifecycle.media import MediaItemData, register_media_item
from redress.lifecycle.registration import register_case
from redress.lifecycle.sweeper import sweep
from redress.matching.suggest import train as train_suggestions
from redress.organisation.choices import DepartmentFunction, Role, UnitKind, WorkGroupPosition
from redress.organisation.models import Staff, Unit, WorkGroup
from redress.organisation.services import add_work_group_member, create_staff, create_unit
from redress.plans import services as plans
from redress.plans.models import Plan
from redress.retention import services as retention
from redress.watch import services as daily_checks
from redress.watch.choices import CheckDuty

# The demo users' published password; they log in only in demo mode (bandit: B105).
PASSWORD = "demo"  # nosec B105
DEFAULT_CASES = 600
DAYS = 90
SEED = 20260302


class DemoError(RuntimeError):
    """The database holds a real organisation: the demo bank is only loaded into an empty one."""


@dataclass
class DemoResult:
    created: bool
    units: int
    staff: int
    cases: int


# ---------------------------------------------------------------- the organisation

# (code suffix, name suffix, function)
_BRANCH_DEPARTMENTS = [
    ("PB", "个人金融部", DepartmentFunction.PERSONAL_BANKING),
    ("CB", "公司业务部", DepartmentFunction.CORPORATE),
    ("IS", "国际结算部", DepartmentFunction.INTERNATIONAL_SETTLEMENT),
    ("OPS", "运营部", DepartmentFunction.OPERATIONS),
    ("UN", "工会", DepartmentFunction.UNION),
    ("GO", "综合部", DepartmentFunction.GENERAL_OFFICE),
    ("SEC", "保卫部", DepartmentFunction.SECURITY),
]
_PROVINCE_DEPARTMENTS = [
    ("SUP", "监察室", DepartmentFunction.SUPERVISION_OFFICE),
    ("PB", "个人金融部", DepartmentFunction.PERSONAL_BANKING),
    ("GO", "办公室", DepartmentFunction.GENERAL_OFFICE),
    ("LEG", "法律事务部", DepartmentFunction.LEGAL),
    ("IT", "科技信息部", DepartmentFunction.IT),
]
_HEAD_OFFICE_DEPARTMENTS = [
    ("SUP", "监察室", DepartmentFunction.SUPERVISION_OFFICE),
    ("PB", "个人金融部", DepartmentFunction.PERSONAL_BANKING),
    ("GO", "办公室", DepartmentFunction.GENERAL_OFFICE),
    ("LEG", "法律事务部", DepartmentFunction.LEGAL),
    ("IT", "科技信息部", DepartmentFunction.IT),
    ("AUD", "审计部", DepartmentFunction.OTHER),
]
# Branch code, name, landline area code and digits, sub-branches with their outlets.
_BRANCHES = [
    (
        "WH",
        "武汉分行",
        "027",
        8,
        [
            ("江汉支行", ["江汉支行营业部", "新华路支行", "唐家墩支行"]),
            ("武昌支行", ["武昌支行营业部", "中南路支行", "徐东支行"]),
        ],
    ),
    (
        "YC",
        "宜昌分行",
        "0717",
        7,
        [
            ("西陵支行", ["西陵支行营业部", "夷陵广场支行", "东山大道支行"]),
            ("伍家岗支行", ["伍家岗支行营业部", "桔城路支行", "万达广场支行"]),
        ],
    ),
]

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程魏苏吕丁任沈"
)
_GIVEN = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
    "霞", "平", "刚", "桂英", "秀英", "玉兰", "建华", "建国", "志强", "文斌", "海燕", "晓东", "雪梅",
    "丹丹", "宇航", "浩然", "思远", "佳怡", "子涵", "欣悦", "俊杰", "振华", "春生", "秋菊", "德明",
    "冬梅", "凤英", "光辉", "立新", "玉珍", "国庆", "红梅", "志刚", "丽华", "婷婷", "晓燕", "文静",
    "建军", "永红", "卫东", "美玲", "少华", "慧敏", "雨欣", "梓轩", "一鸣", "嘉怡", "诗琪", "昊天",
    "子豪", "明轩", "家豪", "晨曦", "秀兰", "金凤",
]  # fmt: skip
_MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "177", "180", "181", "182", "183", "185", "186", "187", "188",
    "189", "191", "198", "199",
]  # fmt: skip
# Hubei's districts (GB/T 2260) for the demo customers' ID numbers.
_REGIONS = [
    "420102",
    "420103",
    "420104",
    "420106",
    "420111",
    "420115",
    "420502",
    "420503",
    "420506",
    "420581",
]


class _People:
    """Names, phones and ID numbers, all drawn from one seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used_names: set[str] = set()

    def name(self) -> str:
        for _attempt in range(50):
            name = self.rng.choice(_SURNAMES) + self.rng.choice(_GIVEN)
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        return name

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            try:
                return normalise_phone(number)
            except InvalidValue:
                continue

    def landline(self, area: str, digits: int) -> str:
        while True:
            number = (
                area
                + str(self.rng.choice([5, 6, 8]))
                + f"{self.rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"
            )
            try:
                return normalise_phone(number)
            except InvalidValue:
                continue

    def id_number(self) -> str:
        born = dt.date(1948, 1, 1) + dt.timedelta(days=self.rng.randrange(365 * 55))
        first17 = f"{self.rng.choice(_REGIONS)}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
        return first17 + id_check_digit(first17)


@dataclass
class _Branch:
    unit: Unit
    departments: dict[str, Unit]
    outlets: list[Unit]
    outlet_staff: dict[int, list[Staff]] = field(default_factory=dict)  # outlet id → its staff
    department_staff: dict[str, list[Staff]] = field(default_factory=dict)
    work_group: list[Staff] = field(default_factory=list)
    leader: Staff | None = None  # the leader in charge, who instructs the branch's cases


@dataclass
class _Org:
    head_office: Unit
    office_dept: Unit
    province: Unit
    province_office: Unit
    branches: list[_Branch]
    province_group: list[Staff]
    office_staff: list[Staff]
    named: dict[str, Staff]
    all_staff: list[Staff]
    province_leader: Staff | None = None

    def branch_of(self, case: Case) -> _Branch | None:
        """The branch whose subtree accepted the case (None for head office and the province's own)."""
        return next((b for b in self.branches if case.unit_path.startswith(b.unit.path)), None)


def _units(people: _People) -> tuple[Unit, dict[str, Unit], Unit, dict[str, Unit], list[_Branch]]:
    ho = create_unit(code="HO", name="总行", kind=UnitKind.HEAD_OFFICE)
    ho_depts = {
        key: create_unit(
            code=f"HO-{key}", name=f"总行{name}", kind=UnitKind.DEPARTMENT, parent=ho, function=fn
        )
        for key, name, fn in _HEAD_OFFICE_DEPARTMENTS
    }
    hb = create_unit(code="HB", name="湖北省分行", kind=UnitKind.PROVINCE, parent=ho)
    hb_depts = {
        key: create_unit(
            code=f"HB-{key}", name=f"湖北省分行{name}", kind=UnitKind.DEPARTMENT, parent=hb, function=fn
        )
        for key, name, fn in _PROVINCE_DEPARTMENTS
    }
    branches = []
    for code, name, area, digits, subs in _BRANCHES:
        branch = create_unit(code=code, name=name, kind=UnitKind.BRANCH, parent=hb)
        depts = {
            key: create_unit(
                code=f"{code}-{key}",
                name=f"{name}{dname}",
                kind=UnitKind.DEPARTMENT,
                parent=branch,
                function=fn,
            )
            for key, dname, fn in _BRANCH_DEPARTMENTS
        }
        outlets = []
        for s, (sub_name, outlet_names) in enumerate(subs, start=1):
            sub = create_unit(
                code=f"{code}{s:02d}", name=f"{name[:2]}{sub_name}", kind=UnitKind.SUB_BRANCH, parent=branch
            )
            for o, outlet_name in enumerate(outlet_names, start=1):
                outlets.append(
                    create_unit(
                        code=f"{code}{s:02d}{o:02d}",
                        name=f"{name[:2]}{outlet_name}",
                        kind=UnitKind.OUTLET,
                        parent=sub,
                        head_name=people.name(),
                        head_phone=people.mobile(),
                        enquiry_name=people.name(),
                        enquiry_phone=people.landline(area, digits),
                    )
                )
        branches.append(_Branch(unit=branch, departments=depts, outlets=outlets))
    return ho, ho_depts, hb, hb_depts, branches


def _organisation(rng: random.Random, people: _People) -> _Org:
    ho, ho_depts, hb, hb_depts, branches = _units(people)
    all_staff: list[Staff] = []
    employee = iter(range(10001, 20000))

    def staff(unit: Unit, roles: list[str], *, username: str | None = None, name: str | None = None) -> Staff:
        person = create_staff(
            username=username or f"e{next(employee)}",
            name=name or people.name(),
            unit=unit,
            roles=roles,
            phone=people.mobile(),
            is_demo=True,
        )
        all_staff.append(person)
        return person

    wuhan, yichang = branches
    outlet_a = wuhan.outlets[0]
    named = {
        "admin": staff(ho_depts["IT"], [Role.ADMIN], username="admin", name="系统管理员"),
        "auditor": staff(ho_depts["AUD"], [Role.AUDITOR], username="auditor", name="审计部" + people.name()),
        "office": staff(ho_depts["SUP"], [Role.SUPERVISION_OFFICE], username="office", name=people.name()),
        "province_group": staff(
            hb, [Role.WORK_GROUP_LEADER, Role.WORK_GROUP], username="province_group", name=people.name()
        ),
        "branch_group": staff(wuhan.unit, [Role.WORK_GROUP], username="branch_group", name=people.name()),
        "handler": staff(wuhan.departments["PB"], [Role.HANDLER], username="handler", name=people.name()),
        "outlet_head": staff(outlet_a, [Role.OUTLET_HEAD], username="outlet_head", name=outlet_a.head_name),
        "teller": staff(outlet_a, [Role.OUTLET_STAFF], username="teller", name=people.name()),
        "subject": staff(outlet_a, [Role.OUTLET_STAFF], username="subject", name=people.name()),
        "outsider": staff(yichang.outlets[0], [Role.OUTLET_STAFF], username="outsider", name=people.name()),
    }

    # The rest of the bank, so that lists, work groups and pickers look like a real one.
    office_staff = [
        named["office"],
        staff(ho_depts["SUP"], [Role.SUPERVISION_OFFICE, Role.LEADER_IN_CHARGE]),  # 监事长
        staff(ho_depts["LEG"], [Role.LEGAL]),
        staff(ho_depts["GO"], [Role.SPOKESPERSON]),
        staff(ho_depts["PB"], [Role.HANDLER]),
    ]
    province_office = [staff(hb_depts["SUP"], [Role.SUPERVISION_OFFICE]) for _ in range(2)]
    province_leader = staff(hb, [Role.LEADER_IN_CHARGE, Role.WORK_GROUP])
    province_group = [
        named["province_group"],
        province_leader,
        staff(hb_depts["PB"], [Role.HANDLER, Role.WORK_GROUP]),
        staff(hb_depts["LEG"], [Role.LEGAL, Role.WORK_GROUP]),
        province_office[0],
    ]
    staff(hb_depts["GO"], [Role.SPOKESPERSON])
    staff(hb_depts["IT"], [Role.HANDLER])
    group = WorkGroup.objects.create(unit=hb, name="湖北省分行投诉受理工作小组")
    add_work_group_member(group, named["province_group"], WorkGroupPosition.LEADER)
    add_work_group_member(group, province_leader, WorkGroupPosition.DEPUTY)
    for member in province_group[2:]:
        add_work_group_member(group, member, WorkGroupPosition.MEMBER)

    for branch in branches:
        is_a = branch is wuhan
        # Wuhan's leader in charge is the demo's `leader`, who instructs (P3 第八条).
        leader = staff(
            branch.unit,
            [Role.LEADER_IN_CHARGE, Role.WORK_GROUP_LEADER, Role.WORK_GROUP],
            username="leader" if is_a else None,
        )
        branch.leader = leader
        if is_a:
            named["leader"] = leader
        deputy = staff(branch.departments["GO"], [Role.WORK_GROUP])
        for key in ("PB", "CB", "IS", "OPS", "GO"):
            team = [named["handler"]] if is_a and key == "PB" else []
            team += [
                staff(branch.departments[key], [Role.HANDLER]) for _ in range(2 if key in ("PB", "CB") else 1)
            ]
            branch.department_staff[key] = team
        staff(branch.departments["UN"], [Role.HANDLER])
        staff(branch.departments["SEC"], [Role.HANDLER])
        members = [named["branch_group"]] if is_a else [staff(branch.unit, [Role.WORK_GROUP])]
        members += [branch.department_staff["PB"][-1], branch.department_staff["OPS"][0]]
        group = WorkGroup.objects.create(unit=branch.unit, name=f"{branch.unit.name}投诉受理工作小组")
        add_work_group_member(group, leader, WorkGroupPosition.LEADER)
        add_work_group_member(group, deputy, WorkGroupPosition.DEPUTY)
        for member in members:
            add_work_group_member(group, member, WorkGroupPosition.MEMBER)
        branch.work_group = [leader, deputy, *members]
        for outlet in branch.outlets:
            people_here: list[Staff] = []
            if outlet == outlet_a:
                people_here += [named["outlet_head"], named["teller"], named["subject"]]
            else:
                people_here.append(staff(outlet, [Role.OUTLET_HEAD], name=outlet.head_name))
                if outlet == yichang.outlets[0]:
                    people_here.append(named["outsider"])
            people_here += [staff(outlet, [Role.OUTLET_STAFF]) for _ in range(rng.randint(1, 2))]
            if rng.random() < 0.5:
                people_here.append(staff(outlet, [Role.LOBBY_MANAGER, Role.OUTLET_STAFF]))
            branch.outlet_staff[outlet.pk] = people_here

    # Hashing is slow on purpose; every demo user shares the one password, so hash it once.
    Staff.objects.filter(pk__in=[s.pk for s in all_staff]).update(password=make_password(PASSWORD))
    return _Org(
        head_office=ho,
        office_dept=ho_depts["SUP"],
        province=hb,
        province_office=hb_depts["SUP"],
        branches=branches,
        province_group=province_group,
        office_staff=office_staff + province_office,
        named=named,
        all_staff=all_staff,
        province_leader=province_leader,
    )


# ---------------------------------------------------------------- the cases


@dataclass(frozen=True)
class _Topic:
    kinds: tuple[str, ...]
    categories: tuple[str, ...]
    business_category: str
    reason: str
    regulatory_channel: str
    products: tuple[str, ...]
    matters: tuple[str, ...]
    demands: tuple[str, ...]
    amount: tuple[int, int] | None = None  # yuan, low and high
    corporate: bool = False  # about a branch department rather than an outlet
    staff_named: float = 0.0  # how often the staff member complained about is named


C, P, W = Kind.COMPLAINT, Kind.PETITION, Kind.WHISTLEBLOW
_TOPICS: list[_Topic] = [
    _Topic(
        (C,),
        (Category.WORK_ERROR, Category.SERVICE_PRODUCT),
        "银行卡/信用卡",
        "定价收费",
        "营业现场",
        ("白金信用卡", "标准信用卡", "联名信用卡"),
        (
            "客户反映其持有的{product}（尾号{tail}）开卡时被告知首年免年费、刷卡满{n}次免次年年费，"
            "但{month}月账单仍被扣收年费{amount}，多次致电客服未果。",
            "客户称从未激活名下{product}，近期查询征信发现因未缴年费{amount}产生逾期记录，认为银行未尽告知义务。",
        ),
        ("要求退还已扣收的年费并撤销不良征信记录。", "要求银行书面说明年费收取依据并退还年费。"),
        (100, 1200),
    ),
    _Topic(
        (C,),
        (Category.SERVICE_PRODUCT, Category.RULE_VIOLATION),
        "自营理财",
        "产品收益",
        "营业现场",
        ("“稳利丰收”理财产品", "“季季盈”理财产品", "“安鑫”净值型理财产品"),
        (
            "客户于{month}月在{outlet}购买{product}{amount}，理财经理宣传预期年化收益{rate_hi}%，"
            "到期实际年化收益仅{rate_lo}%，客户认为销售时存在夸大宣传。",
            "客户称购买{product}时理财经理口头承诺“保本保收益”，现产品净值下跌，本金亏损约{loss}元。",
        ),
        (
            "要求按宣传的收益率补足差额。",
            "要求赔偿本金损失并对理财经理进行处理。",
            "要求调取销售录音录像核实。",
        ),
        (50000, 1000000),
        staff_named=0.3,
    ),
    _Topic(
        (C,),
        (Category.SERVICE_CHANNEL, Category.WORK_ERROR),
        "银行卡/借记卡使用",
        "服务设施、设备、业务系统",
        "自助机具",
        ("借记卡", "社保卡"),
        (
            "客户{date}晚在{outlet}自助银行取款时{product}（尾号{tail}）被ATM吞卡，拨打机具上张贴的电话无人接听，"
            "次日到网点领卡又被告知需等待{n}个工作日。",
            "客户{date}在{outlet}ATM取款{amount}，机器提示交易失败未出钞，但账户已扣款，至今未退回。",
        ),
        ("要求尽快归还银行卡并解释电话无人接听的原因。", "要求尽快核实长款并退回被扣款项。"),
        (500, 5000),
    ),
    _Topic(
        (C,),
        (Category.SERVICE_CHANNEL, Category.WORK_ERROR),
        "支付结算/资金汇划",
        "服务设施、设备、业务系统",
        "移动客户端",
        ("手机银行转账", "网银跨行汇款"),
        (
            "客户{date}通过{product}向他行账户转账{amount}，显示“处理中”超过{hours}小时仍未到账，"
            "导致其货款逾期支付产生违约金。",
            "客户反映{date}在{outlet}柜台办理跨行汇款{amount}，柜员将收款行名称录入错误，资金被退回，延误了{n}天。",
        ),
        ("要求查明原因、尽快到账，并赔偿违约损失。", "要求网点说明差错原因并承担相应损失。"),
        (2000, 300000),
        staff_named=0.2,
    ),
    _Topic(
        (C,),
        (Category.SERVICE_CHANNEL, Category.INTERNAL_MANAGEMENT),
        "人民币储蓄",
        "服务态度及服务质量",
        "营业现场",
        ("定期存款", "存折补登", "大额取现"),
        (
            "客户{date}上午到{outlet}办理{product}，取号后等候约{minutes}分钟，网点{windows}个窗口仅开放{open}个，"
            "大堂内无人引导分流。",
            "客户反映{outlet}午休时间只开一个窗口，{date}中午排队近{minutes}分钟，多名老人在大厅等候。",
        ),
        ("要求网点增开窗口、改进叫号管理。", "要求网点负责人当面致歉并说明改进措施。"),
    ),
    _Topic(
        (C,),
        (Category.SERVICE_ATTITUDE,),
        "人民币储蓄",
        "服务态度及服务质量",
        "营业现场",
        ("存取款", "密码重置", "借记卡挂失", "开立账户"),
        (
            "客户反映{date}在{outlet}办理{product}业务时，{who}态度生硬，对客户的询问不予理睬，并当众说“{quote}”。",
            "客户称{date}到{outlet}办理{product}，{who}边玩手机边办理业务，客户提醒后反而被指责耽误时间。",
        ),
        ("要求涉事员工当面道歉。", "要求对涉事员工进行批评教育并给出书面答复。"),
        staff_named=0.6,
    ),
    _Topic(
        (C, P),
        (Category.WORK_ERROR, Category.INTERNAL_MANAGEMENT),
        "贷款/个人贷款",
        "管理制度、业务规则与流程",
        "中、后台业务渠道",
        ("个人住房贷款", "个人经营贷款", "个人消费贷款"),
        (
            "客户于{month}月申请{product}{amount}，资料已全部提交，客户经理承诺{n}个工作日内放款，"
            "至今已超过{days}天仍在审批中，导致购房合同面临违约。",
            "客户申请{product}被拒，多次询问原因，客户经理只称“系统评分不足”，未给出任何书面说明。",
        ),
        ("要求尽快完成审批放款，并说明延误原因。", "要求银行说明拒贷理由并重新评估。"),
        (100000, 1500000),
    ),
    _Topic(
        (C, W),
        (Category.RULE_VIOLATION,),
        "个人金融信息",
        "消费者信息安全",
        "营业现场",
        ("个人信息",),
        (
            "客户称在{outlet}办理业务后不久，频繁接到陌生来电，对方能准确说出其姓名、身份证号和在我行的存款金额，"
            "怀疑我行员工泄露其个人信息。",
            "客户发现其身份证复印件被用于在我行办理了一张非本人申请的信用卡，认为网点审核不严、泄露了其资料。",
        ),
        ("要求彻查信息泄露原因并追究相关人员责任。", "要求注销冒名办理的卡片并出具书面说明。"),
        staff_named=0.2,
    ),
    _Topic(
        (C,),
        (Category.INTERNAL_MANAGEMENT, Category.SERVICE_ATTITUDE),
        "其他",
        "营销方式和手段",
        "电话渠道",
        ("信用卡分期", "个人消费贷款", "代理保险"),
        (
            "客户反映近{n}天每天接到我行{product}推销电话{k}次以上，已明确表示拒绝仍被反复致电，严重影响工作生活。",
            "客户称每天收到我行{product}营销短信，回复“退订”后仍继续发送。",
        ),
        ("要求将其号码列入营销免打扰名单，并停止一切营销电话。", "要求说明其号码来源并停止发送营销信息。"),
    ),
    _Topic(
        (C, P),
        (Category.RULE_VIOLATION, Category.SERVICE_PRODUCT),
        "银行代理业务",
        "信息披露",
        "营业现场",
        ("分红型保险", "两全保险"),
        (
            "客户{month}月到{outlet}存款，被工作人员推荐购买“存款型”产品{amount}，后发现实为{years}年期{product}，"
            "提前退保将损失本金约{loss}元。",
            "客户年逾七旬，称在{outlet}被引导购买{product}{amount}，工作人员未告知是保险产品及犹豫期。",
        ),
        ("要求全额退还保费。", "要求退保并赔偿利息损失。"),
        (20000, 300000),
        staff_named=0.3,
    ),
    _Topic(
        (C, W),
        (Category.FINANCIAL_CRIME,),
        "银行卡/借记卡盗刷",
        "消费者资金安全",
        "第三方渠道",
        ("借记卡", "工资卡"),
        (
            "客户{product}（尾号{tail}）一直由本人保管，{date}凌晨收到短信提示在外地被连续消费{k}笔共计{amount}，"
            "客户当即挂失并报警。",
            "客户接到自称“客服”的电话后按提示操作，{product}内{amount}被转走，客户认为我行风险提示不到位。",
        ),
        ("要求银行先行赔付被盗刷资金。", "要求配合公安机关调取交易记录并冻结对方账户。"),
        (800, 80000),
    ),
    _Topic(
        (C,),
        (Category.INTERNAL_MANAGEMENT, Category.WORK_ERROR),
        "支付结算/账户管理",
        "管理制度、业务规则与流程",
        "营业现场",
        ("工资卡", "个人结算账户"),
        (
            "客户名下{product}因“涉嫌电信诈骗风险”被限制非柜面交易，客户多次到{outlet}提供工资流水证明仍未解除，"
            "影响日常收付款。",
            "客户到{outlet}开立{product}，被要求提供单位证明、居住证明等多项材料，往返{n}次仍未办成。",
        ),
        ("要求尽快解除账户限制。", "要求网点说明开户所需材料的依据并简化流程。"),
    ),
    _Topic(
        (C,),
        (Category.SERVICE_CHANNEL,),
        "支付结算/电子支付",
        "服务设施、设备、业务系统",
        "移动客户端",
        ("手机银行", "网上银行"),
        (
            "客户反映{date}起我行{product}升级后无法登录，提示“系统繁忙”，多次重装仍无法使用，期间无法按时还款。",
            "客户在{product}缴纳水电费{amount}，扣款成功但缴费单位显示未到账。",
        ),
        ("要求尽快修复并说明原因。", "要求核实扣款去向并退款。"),
        (100, 3000),
    ),
    _Topic(
        (C,),
        (Category.RULE_VIOLATION,),
        "债务催收",
        "债务催收方式和手段",
        "电话渠道",
        ("信用卡欠款", "个人消费贷款"),
        (
            "客户{product}逾期{amount}，催收人员多次向其单位同事及亲属拨打电话，言语中带有威胁。",
            "客户称催收人员冒充“法院工作人员”来电，称不还款将上门查封房产。",
        ),
        ("要求停止骚扰其亲友并规范催收行为。", "要求核实催收人员身份并给出书面答复。"),
        (3000, 60000),
    ),
    _Topic(
        (C,),
        (Category.WORK_ERROR, Category.SERVICE_PRODUCT),
        "人民币储蓄",
        "定价收费",
        "营业现场",
        ("小额账户管理费", "短信通知服务费", "跨行取款手续费"),
        (
            "客户发现其借记卡每季度被扣收{product}，合计{amount}，开户时未被告知。",
            "客户称已在{outlet}申请取消{product}，但次月仍被扣收。",
        ),
        ("要求退还已扣收的费用。", "要求说明收费依据并停止收费。"),
        (10, 300),
    ),
    _Topic(
        (C,),
        (Category.WORK_ERROR,),
        "人民币管理",
        "管理制度、业务规则与流程",
        "营业现场",
        ("残损人民币兑换", "硬币兑换"),
        (
            "客户持{k}张残损人民币到{outlet}办理{product}，被柜员以“无法鉴别”为由拒绝。",
            "客户到{outlet}办理{product}，被告知“需提前一天预约”，客户认为网点拒收零钱。",
        ),
        ("要求网点按规定办理兑换。",),
        staff_named=0.4,
    ),
    _Topic(
        (C,),
        (Category.SERVICE_PRODUCT,),
        "外汇",
        "定价收费",
        "营业现场",
        ("美元", "欧元", "日元"),
        ("客户在{outlet}兑换{product}时被告知需提前预约，且柜台牌价与手机银行显示价格不一致。",),
        ("要求解释价格差异。",),
    ),
    _Topic(
        (C,),
        (Category.SERVICE_PRODUCT,),
        "贵金属",
        "合同条款",
        "营业现场",
        ("投资金条", "纪念金币"),
        ("客户在我行购买的{product}申请回购时，被告知需扣除每克{k}元手续费，购买时未被告知。",),
        ("要求按购买时的约定办理回购。",),
        (5000, 80000),
    ),
    _Topic(
        (C, P),
        (Category.WORK_ERROR, Category.INTERNAL_MANAGEMENT),
        "支付结算/票据",
        "管理制度、业务规则与流程",
        "中、后台业务渠道",
        ("银行承兑汇票", "电子商业汇票"),
        (
            "企业客户反映其在我行申请贴现的{product}{amount}，材料齐全但审批历时{days}天，造成企业资金周转困难。",
            "企业客户称{product}到期提示付款后，我行未按时解付，延误{n}天。",
        ),
        ("要求尽快办理并说明延误原因。", "要求赔偿资金占用损失。"),
        (100000, 5000000),
        corporate=True,
    ),
    _Topic(
        (C,),
        (Category.INTERNAL_MANAGEMENT,),
        "贷款/单位贷款",
        "合同条款",
        "中、后台业务渠道",
        ("流动资金贷款", "小微企业贷款"),
        ("企业客户反映其{product}{amount}续贷时被要求购买理财产品或存入保证金，认为属于变相收费。",),
        ("要求取消搭售条件并按合同续贷。",),
        (500000, 8000000),
        corporate=True,
    ),
    _Topic(
        (C, P),
        (Category.SERVICE_CHANNEL, Category.SERVICE_ATTITUDE),
        "其他",
        "服务设施、设备、业务系统",
        "营业现场",
        ("养老金领取", "社保卡激活"),
        (
            "客户年逾七旬，行动不便，到{outlet}办理{product}时被要求本人到场刷脸，网点未设置爱心窗口，也无工作人员协助。",
            "客户代其瘫痪在床的父亲办理{product}，被{outlet}拒绝，且未告知可申请上门服务。",
        ),
        ("要求网点提供上门服务并改进适老化服务。",),
    ),
    _Topic(
        (P,),
        (Category.INTERNAL_MANAGEMENT, Category.WORK_ERROR),
        "人民币储蓄",
        "合同条款",
        "营业现场",
        ("定期存单", "存折"),
        (
            "来访人反映其父亲生前在原信用社存入的{product}{amount}，因存单遗失，多次要求挂失补办、继承支取未果。",
            "来信人反映拆迁安置补偿款由我行代发，其应得的补偿款{amount}迟迟未到账，多次询问无人答复。",
        ),
        ("要求尽快办理支取。", "要求查清补偿款去向并尽快发放。"),
        (10000, 500000),
    ),
    _Topic(
        (W,),
        (Category.RULE_VIOLATION,),
        "自营理财",
        "营销方式和手段",
        "营业现场",
        ("非本行理财产品", "私募基金"),
        (
            "举报人反映{outlet}某客户经理私下向客户推销{product}（“飞单”），涉及金额约{amount}。",
            "举报人称{outlet}员工在贷款审批中收受客户好处费，金额约{amount}。",
        ),
        ("要求查处违规人员。", "请求对举报人身份保密。"),
        (20000, 2000000),
        staff_named=0.2,
    ),
    _Topic(
        (W,),
        (Category.FINANCIAL_CRIME,),
        "支付结算/账户管理",
        "消费者资金安全",
        "营业现场",
        ("对公账户", "个人账户"),
        (
            "举报人反映有中介人员长期在{outlet}门口招揽客户办理信用卡套现业务。",
            "举报人反映某企业利用在我行开立的多个{product}频繁大额过渡资金，疑似洗钱，涉及金额约{amount}。",
            "举报人反映有人以我行名义在社区推销高息“养老理财”，疑似非法集资。",
        ),
        ("要求银行配合公安机关调查。", "请求对举报人身份保密。"),
        (100000, 10000000),
    ),
]

_SUGGESTIONS = [
    ("建议{outlet}在周末增开个人业务窗口，方便上班族办理业务。", "人民币储蓄", "服务态度及服务质量"),
    ("建议在网点大厅增设老花镜、轮椅、爱心座椅等便民设施。", "其他", "服务设施、设备、业务系统"),
    (
        "建议手机银行增加大字版页面和语音导航，方便老年客户使用。",
        "支付结算/电子支付",
        "服务设施、设备、业务系统",
    ),
    (
        "建议{outlet}自助银行增设存款机，目前只能取款不能存款。",
        "银行卡/借记卡使用",
        "服务设施、设备、业务系统",
    ),
    ("建议理财产品说明书使用更通俗的语言，并标明最差情况下的收益。", "自营理财", "信息披露"),
    ("建议网点公示各类收费标准，并在办理业务前主动告知费用。", "人民币储蓄", "定价收费"),
]
_ENQUIRIES = [
    ("客户咨询个人住房贷款提前还款的手续和违约金标准。", "贷款/个人贷款"),
    ("客户来电咨询大额存单起存金额和当前利率。", "人民币储蓄"),
    ("客户咨询社保卡激活及金融功能的使用方法。", "银行卡/借记卡使用"),
    ("客户咨询境外汇款所需材料及个人年度便利化额度。", "外汇"),
    ("客户咨询信用卡分期手续费的计算方法。", "银行卡/信用卡"),
    ("客户咨询{outlet}的营业时间及是否可办理对公开户。", "支付结算/账户管理"),
]
_QUOTES = [
    "看不懂就别办了",
    "后面还有人排队，快点",
    "这是规定，我也没办法",
    "你自己回去查",
    "系统就这样，找我没用",
]
_WHO = ["一名女柜员", "柜员", "大堂经理", "当班柜员", "一名男性工作人员"]
# A sentence that may follow the matter, the flag it implies, and whether it only fits a customer on the spot.
_DETAILS = [
    ("客户称已是第{n}次反映此事。", None, False),
    ("客户情绪较为激动，在营业厅内大声质问。", None, True),
    ("客户表示若得不到合理答复，将向金融监管部门投诉。", None, False),
    ("客户表示将联系媒体曝光此事。", "media_threat", False),
    ("客户称已委托律师，准备提起诉讼。", "legal_dispute", False),
    ("同行另有{k}名客户反映相同问题。", "group", True),
    ("客户年龄较大，由子女陪同前来。", None, True),
    ("客户提供了交易流水截图作为证明。", None, False),
    ("客户为我行代发工资客户。", None, False),
    ("客户要求在三个工作日内给予答复。", None, False),
    ("客户称此前已通过客服热线反映，但一直未得到回复。", None, False),
]
_DETAIL_WEIGHTS = [3 if flag is None else 1 for _text, flag, _onsite in _DETAILS]
_ON_THE_SPOT = {Channel.COUNTER, Channel.VISIT}
_CHANNEL_WEIGHTS = {
    Channel.COUNTER: 24,
    Channel.VISIT: 8,
    Channel.COMMENT_BOX: 4,
    Channel.PHONE: 10,
    Channel.HOTLINE: 15,
    Channel.HQ_SERVICE_CENTRE: 6,
    Channel.LETTER: 3,
    Channel.ONLINE: 10,
    Channel.MEDIA: 2,
    Channel.SUPERIOR_REFERRAL: 4,
    Channel.GOVERNMENT: 4,
    Channel.REGULATOR: 5,
    Channel.BANKING_ASSOCIATION: 2,
    Channel.CONSUMER_ASSOCIATION: 3,
}
_KIND_WEIGHTS = {
    Kind.COMPLAINT: 70,
    Kind.SUGGESTION: 8,
    Kind.PETITION: 8,
    Kind.WHISTLEBLOW: 5,
    Kind.ENQUIRY: 9,
}
_AT_OUTLET = {Channel.COUNTER, Channel.VISIT, Channel.COMMENT_BOX, Channel.PHONE}


@dataclass
class _Customer:
    name: str
    phone: str
    id_number: str
    vip: bool


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    # Log-uniform: small sums are far more common than large ones.
    value = low * (high / low) ** rng.random()
    if value >= 1000:
        return Decimal(round(value, -2 if value < 100000 else -3)).quantize(Decimal("0.01"))
    return Decimal(f"{value:.2f}")


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.0f}元" if amount == amount.to_integral_value() else f"{amount:,.2f}元"


class _CaseMaker:
    def __init__(self, rng: random.Random, people: _People, org: _Org, now: dt.datetime):
        self.rng, self.people, self.org, self.now = rng, people, org, now
        self.customers = [self._customer() for _ in range(420)]

    def _customer(self) -> _Customer:
        has_id = self.rng.random() < 0.45
        return _Customer(
            name=self.people.name(),
            phone=self.people.mobile() if self.rng.random() < 0.92 else self.people.landline("027", 8),
            id_number=self.people.id_number() if has_id else "",
            vip=self.rng.random() < 0.12,
        )

    def _received_at(self) -> dt.datetime:
        local_now = timezone.localtime(self.now)
        day = local_now.date() - dt.timedelta(days=self.rng.randrange(DAYS))
        minutes = self.rng.randrange(8 * 60 + 30, 17 * 60 + 30)
        at = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=local_now.tzinfo)
        if at > self.now:
            at = self.now - dt.timedelta(minutes=self.rng.randrange(5, 600))
        return at

    def _fill(self, template: str, values: dict[str, str]) -> str:
        return template.format(**values)

    def data(
        self, kind: str, channel: str, category: str | None, about_subject: bool = False
    ) -> tuple[Staff, RegistrationData]:
        rng, org = self.rng, self.org
        branch = org.branches[0] if about_subject or rng.random() < 0.6 else org.branches[1]
        outlet_a = branch.outlets[0]
        # The demo users' own outlet gets a good share, so that every demo login has cases to look at.
        in_a = branch is org.branches[0] and (about_subject or rng.random() < 0.3)
        outlet = outlet_a if in_a else rng.choice(branch.outlets)
        received_at = self._received_at()
        extra_flags: set[str] = set()

        topic: _Topic | None = None
        business_category = reason = regulatory_channel = product = demand = ""
        amount: Decimal | None = None
        subject_unit: Unit = outlet
        values = {
            "outlet": outlet.name,
            "date": f"{received_at.month}月{max(1, received_at.day - rng.randrange(0, 4))}日",
            "month": str(((received_at.month - 1 - rng.randrange(1, 6)) % 12) + 1),
            "tail": f"{rng.randrange(10000):04d}",
            "n": str(rng.randint(2, 7)),
            "k": str(rng.randint(2, 9)),
            "minutes": str(rng.choice([40, 50, 60, 75, 90, 120])),
            "hours": str(rng.choice([6, 12, 24, 36, 48])),
            "days": str(rng.randint(20, 60)),
            "years": str(rng.choice([5, 10, 15])),
            "windows": str(rng.randint(4, 6)),
            "open": str(rng.randint(1, 2)),
            "rate_hi": f"{rng.uniform(3.6, 5.2):.2f}",
            "rate_lo": f"{rng.uniform(0.8, 2.9):.2f}",
            "who": rng.choice(_WHO),
            "quote": rng.choice(_QUOTES),
        }
        if kind == Kind.SUGGESTION:
            text, business_category, reason = rng.choice(_SUGGESTIONS)
            matter = self._fill(text, values)
            demand = rng.choice(["", "希望采纳并回复。"])
        elif kind == Kind.ENQUIRY:
            text, business_category = rng.choice(_ENQUIRIES)
            matter = self._fill(text, values)
            demand = rng.choice(["", "请尽快回电答复。"])
        else:
            candidates = [
                t
                for t in _TOPICS
                if kind in t.kinds
                and (category is None or category in t.categories)
                and (t.staff_named or not about_subject)
            ] or [t for t in _TOPICS if kind in t.kinds]
            topic = rng.choice(candidates)
            # A planned category stays even if no topic lists it: anonymity is a way to complain, not a topic.
            category = category or rng.choice(topic.categories)
            product = rng.choice(topic.products)
            values["product"] = product
            if topic.amount:
                amount = _amount(rng, *topic.amount)
                values["amount"] = _yuan(amount)
                values["loss"] = f"{int(amount * Decimal(rng.uniform(0.05, 0.3))):,}"
            else:
                values["amount"], values["loss"] = "", ""
            matter = self._fill(rng.choice(topic.matters), values)
            demand = rng.choice(topic.demands)
            business_category, reason, regulatory_channel = (
                topic.business_category,
                topic.reason,
                topic.regulatory_channel,
            )
            if topic.corporate:
                subject_unit = branch.departments["CB"]
        for _ in range(rng.choice([0, 0, 1, 1, 2]) if kind in (Kind.COMPLAINT, Kind.PETITION) else 0):
            text, flag, onsite = rng.choices(_DETAILS, _DETAIL_WEIGHTS)[0]
            sentence = self._fill(text, values)
            if sentence not in matter and (channel in _ON_THE_SPOT or not onsite):
                matter += sentence
                if flag:
                    extra_flags.add(flag)

        subject_staff: Staff | None = None
        outlet_people = branch.outlet_staff[outlet.pk]
        if about_subject:
            subject_staff = org.named["subject"]
        elif topic and topic.staff_named and subject_unit == outlet and rng.random() < topic.staff_named:
            subject_staff = (
                org.named["subject"]
                if outlet == outlet_a and branch is org.branches[0] and rng.random() < 0.7
                else rng.choice([s for s in outlet_people if not s.has_role(Role.OUTLET_HEAD)])
            )
        responder = self._responder(kind, channel, branch, outlet_people, subject_staff)

        anonymous = (kind == Kind.WHISTLEBLOW and rng.random() < 0.6) or category == Category.ANONYMOUS
        anonymous = anonymous or (channel in (Channel.LETTER, Channel.COMMENT_BOX) and rng.random() < 0.15)
        if anonymous and kind == Kind.COMPLAINT and category != Category.ANONYMOUS and rng.random() < 0.5:
            category = Category.ANONYMOUS
        customer = rng.choice(self.customers)
        confidential = not anonymous and (kind == Kind.WHISTLEBLOW or rng.random() < 0.04)
        if rng.random() < 0.01 and kind == Kind.COMPLAINT:
            extra_flags.add("major")
        return responder, RegistrationData(
            kind=kind,
            channel=channel,
            received_at=received_at,
            complainant_name="" if anonymous else customer.name,
            complainant_phone="" if anonymous and rng.random() < 0.7 else customer.phone,
            complainant_id_number="" if anonymous else customer.id_number,
            complainant_vip=customer.vip and not anonymous,
            complainant_anonymous=anonymous,
            complainant_confidential=confidential,
            subject_unit="" if kind == Kind.ENQUIRY else subject_unit.code,
            subject_staff=subject_staff.username if subject_staff else "",
            matter=matter,
            demand=demand,
            category=category or "",
            business_category=business_category,
            reason=reason,
            regulatory_channel=regulatory_channel,
            product=product,
            amount=amount,
            first_responder=responder.username,
            extra_flags=tuple(sorted(extra_flags)),
        )

    def _responder(
        self, kind: str, channel: str, branch: _Branch, outlet_people: list[Staff], subject: Staff | None
    ) -> Staff:
        """Whoever first takes it: the outlet at its counter, the branch for calls and referrals."""
        rng, org = self.rng, self.org
        if kind == Kind.PETITION and rng.random() < 0.5:
            pool = org.office_staff[
                -2:
            ]  # the provincial branch's supervision office registers walk-in petitions
        elif channel in _AT_OUTLET:
            pool = outlet_people
        elif channel in (Channel.HOTLINE, Channel.ONLINE, Channel.LETTER):
            pool = branch.department_staff["PB"]
        elif channel in (Channel.HQ_SERVICE_CENTRE, Channel.SUPERIOR_REFERRAL):
            pool = branch.work_group
        elif channel in (Channel.REGULATOR, Channel.GOVERNMENT) and rng.random() < 0.3:
            pool = org.province_group
        else:
            pool = branch.work_group + branch.department_staff["GO"]
        pool = [s for s in pool if s != subject] or outlet_people
        return rng.choice(pool)


def _plan(rng: random.Random, count: int) -> list[tuple[str, str, str | None, bool]]:
    """Kind, channel, category (for complaints) of each case, and whether it names the demo user `subject`.

    The first cases cover every kind, channel and category once, and three name `subject`, so that any
    demo of at least 17 cases shows them all.
    """
    channels = list(Channel.values)
    categories = list(Category.values)
    kinds = list(Kind.values)
    plan: list[tuple[str, str, str | None, bool]] = []
    for i in range(count):
        kind = (
            kinds[i] if i < len(kinds) else rng.choices(list(_KIND_WEIGHTS), list(_KIND_WEIGHTS.values()))[0]
        )
        category = None
        if len(kinds) <= i < len(kinds) + len(categories):
            kind, category = Kind.COMPLAINT, categories[i - len(kinds)]
        channel = (
            channels[i]
            if i < len(channels)
            else rng.choices(list(_CHANNEL_WEIGHTS), list(_CHANNEL_WEIGHTS.values()))[0]
        )
        about_subject = len(channels) <= i < len(channels) + 3
        if about_subject:
            kind, channel, category = Kind.COMPLAINT, Channel.COUNTER, Category.SERVICE_ATTITUDE
        plan.append((kind, channel, category, about_subject))
    return plan


# ---------------------------------------------------------------- the life of the demo's cases

_REPLIES = [
    "已向客户致电说明情况并致歉，相关问题已整改。",
    "经核实，已为客户办理退费，并告知后续注意事项。",
    "已向客户解释业务规定，客户表示理解。",
    "已安排专人跟进处理，并将处理结果书面告知客户。",
]
_REJECTIONS = ["不属于本行业务范围，已告知客户向相关机构反映。", "同一事项已登记办理，本次不予重复受理。"]


_INSTRUCTIONS = [
    "请网点三个工作日内核实，当面向客户说明情况并致歉，整改情况报监察室。",
    "请个人金融部牵头核查，依规处理，按时答复客户。",
    "此事影响客户体验，请认真核实，举一反三，防止类似问题再次发生。",
]
_TRANSFER_NOTES = ["请核实相关业务办理情况并按时报送办理结果。", "涉及贵部门业务，请指定专人办理。"]
_BOUNCES = ["该业务不属于本部门职责，请转相关部门办理。"]
_FINDINGS = [
    "经调阅业务流水和监控录像，客户反映情况基本属实。",
    "经核实，系系统参数设置有误导致，已更正。",
    "经核查，工作人员操作符合规定，已向客户做好解释。",
]
_REOPENINGS = ["回访时客户表示不满意，称承诺的退费至今未到账。"]
_ESCALATIONS = ["客户多次反映未果，情绪激动，需上级工作小组协调处理。"]
_CONTACTS = ["已电话联系客户，说明正在核查，承诺按时答复。", "已与客户约定时间当面沟通。"]


def _progress(case: Case, responder: Staff, rng: random.Random, now: dt.datetime, org: _Org) -> None:
    """Move a demo case along its life as its people would have, at plausible past times, so that the demo
    shows every stage and path of the procedures (issue 15 item 6): instructed by the leader, contacted,
    transferred to a department and signed for or sent back, reported, escalated, replied, followed up,
    closed, reopened, withdrawn, not accepted — the newest still open, the clocks mostly met in time."""
    start = case.received_at
    age = now - start
    roll = rng.random()
    step = start + dt.timedelta(hours=rng.randint(1, 5))
    branch = org.branch_of(case)
    leader = (branch.leader if branch else None) or org.province_leader

    def act(action: str, params: dict | None = None, *, actor: Staff = responder) -> bool:
        nonlocal case
        if step > now:
            return False
        try:
            case = lifecycle.perform(action, actor, case, params or {}, now=step)
        except (lifecycle.LifecycleError, FieldErrors):
            return False  # not allowed at this point of this case's life: it stays where it is
        return True

    if leader is not None and rng.random() < 0.5:
        act("instruct", {"text": rng.choice(_INSTRUCTIONS)}, actor=leader)
    if age < dt.timedelta(days=1) or roll < 0.06:
        return  # just registered
    if roll < 0.10:
        act("reject", {"reason": rng.choice(_REJECTIONS)})
        return
    if not act("accept"):
        return
    if roll < 0.13:
        step += dt.timedelta(hours=rng.randint(2, 30))
        act("withdraw", {"voluntary": True, "reason": "客户表示问题已由网点当面解决，自愿撤回投诉。"})
        return
    if rng.random() < 0.5:
        step += dt.timedelta(hours=rng.randint(1, 6))
        act("contact", {"method": "phone", "note": rng.choice(_CONTACTS)})
    if roll < 0.20 or age < dt.timedelta(days=3):
        return  # accepted, being handled
    if branch is not None and rng.random() < 0.4:
        key = rng.choice(["PB", "PB", "CB", "OPS"])
        handler = rng.choice(branch.department_staff[key])
        step += dt.timedelta(hours=rng.randint(1, 8))
        order = {"to_unit": branch.departments[key].code, "handler": handler.username}
        if not act("transfer", {**order, "note": rng.choice(_TRANSFER_NOTES)}):
            return
        if age < dt.timedelta(days=8) and rng.random() < 0.6:
            return  # the order waits to be signed for
        step += dt.timedelta(hours=rng.randint(1, 20))
        if rng.random() < 0.12:
            act("bounce", {"reason": rng.choice(_BOUNCES)}, actor=handler)  # back to the first responder
        else:
            if not act("acknowledge", {"handler": handler.username}, actor=handler):
                return
            if age < dt.timedelta(days=6) or rng.random() < 0.15:
                return  # with the department
            step += dt.timedelta(days=rng.randint(1, 4))
            report = {
                "findings": rng.choice(_FINDINGS),
                "staff_handling": "对相关人员进行批评教育。",
                "lessons": "加强业务培训，规范操作流程。",
                "rectification": "已完成整改，并纳入月度检查。",
                "customer_satisfaction": rng.choice(["satisfied", "basically_satisfied"]),
                "handler_name": handler.name,
                "handler_phone": handler.phone,
            }
            if not act("report", report, actor=handler):
                return
    if rng.random() < 0.05:
        step += dt.timedelta(hours=rng.randint(1, 10))
        act("escalate", {"reason": rng.choice(_ESCALATIONS)})
    step += dt.timedelta(hours=rng.randint(4, 40))
    late = rng.random() < 0.08
    if late:
        step += dt.timedelta(days=rng.randint(4, 12))
    if not act("reply", {"method": rng.choice(["phone", "written", "sms"]), "content": rng.choice(_REPLIES)}):
        return
    if roll < 0.30:
        return  # replied, waiting for the follow-up call
    step += dt.timedelta(hours=rng.randint(2, 48))
    satisfaction = rng.choices(["satisfied", "basically_satisfied", "dissatisfied"], [70, 22, 8])[0]
    act("follow_up", {"satisfaction": satisfaction, "note": "回访客户"})
    step += dt.timedelta(hours=1)
    responsibility = rng.choices(["at_fault", "not_at_fault", "shared"], [45, 40, 15])[0]
    act("close", {"responsibility": responsibility, **_classes_missing(case)})
    if satisfaction == "dissatisfied" and rng.random() < 0.5:
        step += dt.timedelta(days=rng.randint(1, 5))
        act("reopen", {"reason": rng.choice(_REOPENINGS)})


# Complaints closed more than three years before the demo's day (R10.5): the first on legal hold.
PAST_RETENTION = 4
# The cases `_plan` needs to show every kind, channel and category once, and `subject` three times.
PLAN_COVERS = 17
_HOLD_REASON = "客户已就该笔业务向法院提起诉讼，诉讼终结前保留全部材料。"


# The classes a complaint is closed with when registration left them open (a complaint closes only with its
# business category and reason): the office classifies it at close.
_CLOSING_CLASSES = {"business_category": "人民币储蓄", "reason": "服务态度及服务质量"}


def _classes_missing(case: Case) -> dict[str, str]:
    if case.kind != Kind.COMPLAINT:
        return {}
    return {name: label for name, label in _CLOSING_CLASSES.items() if getattr(case, f"{name}_id") is None}


def _past_retention(maker: _CaseMaker, now: dt.datetime, count: int) -> None:
    """A few complaints handled and closed three to four years ago, so that retention has cases to anonymise
    when the demo loads (and the inspectors' retention page a run to show), and one a legal hold keeps."""
    office = Staff.objects.filter(role_grants__role=Role.SUPERVISION_OFFICE, is_demo=True).first()
    for i in range(count):
        responder, data = maker.data(Kind.COMPLAINT, Channel.COUNTER, Category.SERVICE_ATTITUDE)
        received = now - dt.timedelta(days=3 * 365 + 60 + 45 * i)
        data = replace(data, received_at=received)
        case = register_case(responder, data, now=received + dt.timedelta(minutes=20)).case
        step = received + dt.timedelta(days=1)
        for action, params in (
            ("accept", {}),
            ("reply", {"method": "phone", "content": "已向客户说明情况并致歉，客户表示理解。"}),
            ("close", {"responsibility": "not_at_fault", **_classes_missing(case)}),
        ):
            try:
                case = lifecycle.perform(action, responder, case, params, now=step)
            except (lifecycle.LifecycleError, FieldErrors):
                break
            step += dt.timedelta(days=2)
        if i == 0 and office is not None:
            lifecycle.perform("set_legal_hold", office, case, {"reason": _HOLD_REASON}, now=step)


def _an_order_waiting(rng: random.Random, now: dt.datetime, org: _Org) -> None:
    """At least one transfer order waiting to be signed for, whatever day the demo is loaded on: which cases
    are of the age `_progress` leaves waiting depends on the date (the demo is drawn back from today)."""
    if Case.objects.filter(state=State.TRANSFERRED).exists():
        return
    for case in (
        Case.objects.filter(state=State.ACCEPTED).order_by("-received_at").select_related("first_responder")
    ):
        branch = org.branch_of(case)
        if branch is None or case.first_responder is None:
            continue
        key = rng.choice(["PB", "CB", "OPS"])
        handler = rng.choice(branch.department_staff[key])
        order = {"to_unit": branch.departments[key].code, "handler": handler.username}
        try:
            lifecycle.perform(
                "transfer",
                case.first_responder,
                case,
                {**order, "note": rng.choice(_TRANSFER_NOTES)},
                now=now - dt.timedelta(hours=2),
            )
        except (lifecycle.LifecycleError, FieldErrors):
            continue
        return


_REFERRING_BODIES = [
    ("国家金融监督管理总局湖北监管局", "鄂金转〔2026〕{n}号"),
    ("湖北省农村信用社联合社办事处", "鄂信联转〔2026〕{n}号"),
    ("武汉市人民政府信访局", "武信转〔2026〕{n}号"),
]
_CHECK_FINDINGS = ["", "", "意见簿新增留言一条：建议周末增开对公窗口，已转网点负责人办理。", ""]


# The smallest demo that has a media item (one of its cases); smaller ones keep to the planned cases.
MEDIA_ITEM_FROM = 20


def _referrals_checks_and_media(rng: random.Random, now: dt.datetime, org: _Org, *, with_media: bool) -> None:
    """What issue 15 added, with real data: referred cases with their referring body's deadline (one
    answered, one due within a day), the daily checks of the last days (today's not all done, so the
    reminder has someone to remind), a media item found by monitoring sent to the spokesperson, and that
    media complaint reported to the regulator with a printable report."""
    referred = list(
        Case.objects.filter(
            channel__in=[Channel.REGULATOR, Channel.GOVERNMENT, Channel.SUPERIOR_REFERRAL],
            state__in=[State.ACCEPTED, State.TRANSFERRED, State.IN_PROGRESS, State.REPLIED],
        )
        .select_related("first_responder")
        .order_by("-received_at")[:3]
    )
    for i, case in enumerate(referred):
        body, reference = _REFERRING_BODIES[i % len(_REFERRING_BODIES)]
        due = (now + dt.timedelta(hours=(20, 96, 150)[i % 3])).replace(minute=0, second=0, microsecond=0)
        try:
            case = lifecycle.perform(
                "record_referral",
                case.first_responder,
                case,
                {
                    "body": body,
                    "reference": reference.format(n=rng.randint(100, 999)),
                    "referred_at": case.received_at.isoformat(),
                    "due_at": due.isoformat(),
                },
                now=now - dt.timedelta(hours=3),
            )
            if i == 2:
                lifecycle.perform(
                    "reply_to_referrer",
                    case.first_responder,
                    case,
                    {"reply": "经核查，客户反映问题属实，我行已向客户致歉并完成整改，客户表示满意。"},
                    now=now - dt.timedelta(hours=1),
                )
        except (lifecycle.LifecycleError, FieldErrors):
            continue
    # The daily checks of the last three days; today's comment books partly not yet looked at.
    heads = [
        person
        for branch in org.branches
        for outlet in branch.outlets
        for person in branch.outlet_staff.get(outlet.pk, [])
        if person.has_role(Role.OUTLET_HEAD)
    ]
    office = org.named["office"]
    for days_ago in (2, 1, 0):
        local = timezone.localtime(now - dt.timedelta(days=days_ago))
        morning = min(local.replace(hour=9, minute=rng.randint(0, 50), second=0, microsecond=0), now)
        for head in heads if days_ago else heads[: len(heads) // 2]:
            with suppress(FieldErrors):
                daily_checks.record_check(
                    head, CheckDuty.COMMENT_BOOK, rng.choice(_CHECK_FINDINGS), now=morning
                )
        for duty in (CheckDuty.ONLINE, CheckDuty.NEWS_SITES) if days_ago else (CheckDuty.ONLINE,):
            with suppress(FieldErrors):
                daily_checks.record_check(office, duty, "", now=morning)
    # A media item found by monitoring, sent to the spokesperson and reported outside the bank.
    wuhan = org.branches[0]
    if not with_media:
        return
    with suppress(FieldErrors, lifecycle.LifecycleError):
        item = register_media_item(
            office,
            MediaItemData(
                source="楚天都市报微信公众号",
                title=f"{wuhan.outlets[0].name}周一上午排长队，仅开一个窗口",
                summary="文章称该网点周一上午仅开放一个窗口，客户等候近两小时，大堂无人引导，评论区有多条类似留言。",
                url="https://mp.weixin.qq.com/s/demo-ctdsb-queue",
                published_at=now - dt.timedelta(days=1, hours=3),
                subject_unit=wuhan.outlets[0].code,
                category=Category.SERVICE_ATTITUDE,
            ),
            now=now - dt.timedelta(days=1),
        )
        lifecycle.perform(
            "report_externally",
            office,
            item.case,
            {
                "to": "regulator",
                "note": "楚天都市报微信公众号刊发我行网点排长队一文，我行已启动舆情应对，"
                "由新闻发言人统一回应，网点已增开窗口并向客户致歉，现将有关情况报告如下。",
            },
            now=now - dt.timedelta(hours=20),
        )


# A one-page PDF, as a scanned letter or a receipt would come: some demo cases carry one.
_DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _demo_files(rng: random.Random) -> list[SimpleUploadedFile]:
    if rng.random() >= 0.08:
        return []
    return [SimpleUploadedFile("客户来信扫描件.pdf", _DEMO_PDF, content_type="application/pdf")]


# ---------------------------------------------------------------- entry point


# The past cut-over weekend's complaints (issue 12): the type, the matter, the demand, the category.
_CUT_OVER_CASES = [
    (
        "atm_unavailable",
        "核心系统切换期间网点ATM暂停服务，客户急需取现，网点仅张贴告示未作引导。",
        "要求告知可用的取款方式。",
        Category.SERVICE_CHANNEL,
    ),
    (
        "long_wait",
        "切换后首个营业日开门前客户排队两小时，叫号系统仍未恢复。",
        "要求网点增加窗口并道歉。",
        Category.SERVICE_ATTITUDE,
    ),
    (
        "event_caused",
        "切换期间手机银行转账提示失败，但账户已扣款三千元。",
        "要求尽快退回扣款或完成转账。",
        Category.SERVICE_CHANNEL,
    ),
    (
        "verbal_loss_report",
        "客户周六发现借记卡遗失，网点停业无法正式挂失，来电要求先行止付。",
        "要求立即冻结卡片。",
        Category.WORK_ERROR,
    ),
    (
        "emergency_payment",
        "客户周末需支付住院押金，网点停业无法取款，经劝说仍坚持当日取现。",
        "要求当日支取五千元。",
        Category.SERVICE_CHANNEL,
    ),
    (
        "transaction_anomaly",
        "切换后客户查询到一笔重复入账的工资，担心被冻结。",
        "要求核实并说明处理结果。",
        Category.WORK_ERROR,
    ),
    (
        "repeat_or_group",
        "三名商户联名反映切换期间POS收单款项未到账。",
        "要求两日内到账并赔偿损失。",
        Category.SERVICE_PRODUCT,
    ),
    (
        "media_contact",
        "客户称已联系电视台记者，反映网点停业未提前告知。",
        "要求公开道歉。",
        Category.SERVICE_ATTITUDE,
    ),
    (
        "compensation",
        "切换期间无法按时还款，被收取贷款罚息二百元，客户认为责任在银行。",
        "要求退还罚息并赔偿误工损失。",
        Category.SERVICE_PRODUCT,
    ),
    (
        "aggressive_customer",
        "客户酒后到网点要求立即办理转账，不听解释，在大厅大声喧哗并带动其他客户聚集。",
        "要求马上办理。",
        Category.SERVICE_ATTITUDE,
    ),
    (
        "customer_data_anomaly",
        "切换后客户在手机银行看到的身份证号码和地址与本人不符，担心信息泄露。",
        "要求立即更正并说明原因。",
        Category.WORK_ERROR,
    ),
    (
        "mental_health",
        "客户反复到网点称账户资金被系统吞掉，情绪异常，无法正常沟通。",
        "要求归还全部存款。",
        Category.SERVICE_ATTITUDE,
    ),
    (
        "cross_province",
        "客户在外省兄弟行办理的汇款切换后未到账，本行网点无法查询。",
        "要求查明汇款去向。",
        Category.SERVICE_CHANNEL,
    ),
    (
        "other_incident",
        "切换当晚网点门口停电，门禁无法开启，预约客户无法进入。",
        "要求说明情况。",
        Category.SERVICE_CHANNEL,
    ),
]
# The channel a cut-over complaint came by, when not by phone: the media contact through the media (an
# external channel: the plan's accountability record, and the office's finding on the fault at close).
_CUT_OVER_CHANNELS = {"media_contact": Channel.MEDIA}


def _cut_over_weekend(rng: random.Random, people: _People, org: _Org, now: dt.datetime, count: int) -> Plan:
    """A past cut-over weekend under an emergency plan over the Wuhan branch: approved, activated, its
    statements, `count` of its complaints (each of a plan type, handled as the type asks), and closed."""
    today = timezone.localdate(now)
    # The Saturday of last week: the weekend and the Monday morning after it are wholly past.
    saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7 + 7)
    starts = timezone.make_aware(dt.datetime.combine(saturday, dt.time(0, 0)))
    ends = starts + dt.timedelta(days=2, hours=8)
    wuhan = org.branches[0]
    office, leader = org.named["office"], org.named["leader"]
    before = starts - dt.timedelta(days=3)
    plan = plans.draft(
        office,
        plans.PlanData(
            name="核心系统切换应急预案（演练后正式实施）",
            event=f"{saturday:%m月%d日}至次日，武汉分行核心系统切换，辖内网点暂停营业",
            starts_at=starts,
            ends_at=ends,
            units=[wuhan.unit.code],
            hotline="027-96000",
            command_centre="027-88886666",
            spokesperson_phone="027-88886600",
            leading_department=wuhan.departments["UN"].code,
            work_groups=[
                {"level": "branch", "unit": wuhan.unit.code, "name": f"{wuhan.unit.name}投诉受理工作小组"}
            ],
        ),
        now=before,
    )
    group_member = org.named["branch_group"]
    for plan_type, text in (
        ("atm_unavailable", "核心系统切换期间本行ATM暂停服务，请您使用他行ATM，跨行手续费由我行另行处理。"),
        (
            "event_caused",
            "因核心系统切换，部分交易暂时无法处理，我行将于承诺时间内办结，给您带来不便深表歉意。",
        ),
    ):
        plans.approve_statement(group_member, plan, plan_type, text, now=before)
    plans.approve(leader, plan, now=before + dt.timedelta(hours=2))
    plans.activate(office, plan, now=starts)
    outlets = [o for o in wuhan.outlets if wuhan.outlet_staff.get(o.pk)]
    for i, (plan_type, matter, demand, category) in enumerate(_CUT_OVER_CASES[:count]):
        outlet = outlets[i % len(outlets)]
        responder = wuhan.outlet_staff[outlet.pk][0]
        received = starts + dt.timedelta(hours=9 + 3 * i, minutes=rng.randint(0, 50))
        case = register_case(
            responder,
            RegistrationData(
                kind=Kind.COMPLAINT,
                channel=_CUT_OVER_CHANNELS.get(plan_type, Channel.PHONE),
                received_at=received,
                complainant_name=people.name(),
                complainant_phone=people.mobile(),
                complainant_vip=plan_type == "emergency_payment",
                subject_unit=outlet.code,
                matter=matter,
                demand=demand,
                category=category,
                plan_type=plan_type,
            ),
            now=received,
        ).case
        perform = lifecycle.perform
        case = perform("accept", responder, case, {}, now=received + dt.timedelta(minutes=5))
        arrived = received + dt.timedelta(minutes=40)
        note = {"at": arrived, "method": "phone", "note": "已联系客户并安抚。"}
        case = perform("contact", responder, case, note, now=arrived)
        head = next((p for p in wuhan.outlet_staff[outlet.pk] if p.has_role(Role.OUTLET_HEAD)), responder)
        handling = _CUT_OVER_HANDLING.get(plan_type)
        if handling is not None:
            case = handling(case, responder, head, wuhan, arrived)
        if plan_type == "verbal_loss_report":
            loss = {"reported_at": received, "account_masked": "****3721"}
            perform("verbal_loss_report", responder, case, loss, now=arrived)
        elif plan_type == "emergency_payment":
            dissuasion = [{"by": responder.username, "at": arrived, "outcome": "客户坚持当日取现"}]
            if head != responder:
                dissuasion.append({"by": head.username, "at": arrived, "outcome": "负责人劝说后客户仍坚持"})
            perform(
                "emergency_payment",
                responder,
                case,
                {
                    "amount": "5000.00",
                    "dissuasion": dissuasion,
                    "approved_by": head.username,
                    "risk_checked": True,
                },
                now=arrived + dt.timedelta(minutes=30),
            )
        elif plan_type == "media_contact":
            _closed_with_the_fault(case, responder, arrived)
        elif i % 2 == 0:
            result = {"result": "已按统一口径向客户解释，客户表示理解。"}
            perform("report_to_group", responder, case, result, now=arrived + dt.timedelta(hours=2))
    return plans.close(office, plan, now=ends)


def _closed_with_the_fault(case: Case, responder: Staff, arrived: dt.datetime) -> Case:
    """The media contact came through the media, an external channel: the plan gave it an accountability
    record, so the office's finding on the fault is given at close (P1 三、3, 六、6)."""
    perform = lifecycle.perform
    reply = {"method": "phone", "content": "已向客户致歉并说明停业安排，客户表示理解，不再联系媒体。"}
    case = perform("reply", responder, case, reply, now=arrived + dt.timedelta(hours=1))
    close = {"responsibility": "at_fault", "plan_fault": "explanation_speed", **_classes_missing(case)}
    return perform("close", responder, case, close, now=arrived + dt.timedelta(hours=3))


def _atm_directed(case: Case, responder: Staff, head: Staff, branch, at: dt.datetime) -> Case:
    where = {"where": "网点对面工商银行ATM（约100米）"}
    case = lifecycle.perform("direct_to_other_atm", responder, case, where, now=at)
    fee = {"fee_decision": "refunded", "amount": "4.00", "decided_by": head.username}
    return lifecycle.perform("decide_atm_fee", responder, case, fee, now=at + dt.timedelta(minutes=20))


def _wait_soothed(case: Case, responder: Staff, head: Staff, branch, at: dt.datetime) -> Case:
    # The lobby manager soothes; the customer grew agitated and the outlet head took them to the VIP room.
    outlet = branch.outlet_staff[case.unit_id]
    lobby = next((p for p in outlet if p.has_role(Role.LOBBY_MANAGER)), None)
    lobby = lobby or next((p for p in outlet if p != head), responder)
    agitated = head.has_role(Role.OUTLET_HEAD)
    soothing = {
        "soothed_by": lobby.username,
        "note": "为排队客户送水并说明叫号系统恢复时间。",
        "agitated": agitated,
        "guided_by": head.username if agitated else None,
        "business_done": agitated,
        "gift": "纪念水杯一个",
    }
    return lifecycle.perform("soothe_long_wait", responder, case, soothing, now=at)


def _reported_through_the_line(case: Case, responder: Staff, head: Staff, branch, at: dt.datetime) -> Case:
    report = {"business_line": branch.departments["PB"].code, "reported_at": at, "note": "已按条线上报核查。"}
    return lifecycle.perform("report_to_business_line", responder, case, report, now=at)


def _compensation_agreed(case: Case, responder: Staff, head: Staff, branch, at: dt.datetime) -> Case:
    claim = {
        "reasons": "客户称切换期间无法还款并非本人原因，罚息应由银行承担。",
        "soothing": "已记录，未作承诺。",
    }
    case = lifecycle.perform("record_compensation_claim", responder, case, claim, now=at)
    department = branch.departments["PB"]
    agreed = {
        "amount": "200.00",
        "business_line": department.code,
        "agreed_with": branch.department_staff["PB"][0].name,
        "agreement": "经与个人金融部共同协商，退还切换期间产生的罚息二百元，误工损失不予赔偿。",
    }
    by = branch.department_staff["PB"][0]
    return lifecycle.perform("agree_plan_payout", by, case, agreed, now=at + dt.timedelta(hours=2))


def _aggressive_handled(case: Case, responder: Staff, head: Staff, branch, at: dt.datetime) -> Case:
    handled = {
        "video_covered": True,
        "led_to": "二楼贵宾室",
        "stormed": True,
        "called": "local_police",
        "called_at": at,
        "note": "客户带动多人聚集，已报派出所，民警到场后平息。",
    }
    return lifecycle.perform("handle_aggressive_customer", head, case, handled, now=at)


def _coordinated(case: Case, responder: Staff, head: Staff, branch, at: dt.datetime) -> Case:
    visit = {
        "via": "family",
        "with_whom": "客户之女",
        "at": at,
        "outcome": "家属到网点将客户接回，承诺陪同办理。",
    }
    return lifecycle.perform("coordinate_mental_health", head, case, visit, now=at)


def _cross_province_up(case: Case, responder: Staff, head: Staff, branch, at: dt.datetime) -> Case:
    up = {"sister_bank": "长沙分行营业部", "reason": "汇款由外省兄弟行发出，本行无法查询，需上级协调。"}
    return lifecycle.perform("report_cross_province", head, case, up, now=at)


# What the cut-over complaints of each type had done, beside the contact (P1 四(三)5–13).
_CUT_OVER_HANDLING = {
    "atm_unavailable": _atm_directed,
    "long_wait": _wait_soothed,
    "transaction_anomaly": _reported_through_the_line,
    "customer_data_anomaly": _reported_through_the_line,
    "compensation": _compensation_agreed,
    "aggressive_customer": _aggressive_handled,
    "mental_health": _coordinated,
    "cross_province": _cross_province_up,
}


def _problems_recorded(now: dt.datetime) -> None:
    """The supervision office has recorded the quarter's top hotspots as problems: one being rectified, one
    whose rectification is overdue (the problems page and the analysis report show both)."""
    from redress.reports import hotspots, problems

    office = Staff.objects.filter(username="office").first()
    top = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    if office is None or top is None:
        return
    end = timezone.localtime(now).date()
    start = end - dt.timedelta(days=89)
    spots = hotspots.hotspots(office, top, start, end)
    chosen = [(d, spots[d][0]) for d in ("product", "reason", "category") if spots.get(d)][:2]
    plans = [
        ("in_progress", end + dt.timedelta(days=30), "流程设计不合理，网点解释口径不一致。"),
        ("open", end - dt.timedelta(days=3), "员工业务培训不到位。"),
    ]
    owner = Staff.objects.filter(username="outlet_head").first()
    for (dimension, spot), (status, due, cause) in zip(chosen, plans, strict=False):
        problem = problems.record(
            office,
            top,
            start,
            end,
            dimension,
            spot.key,
            {"root_cause": cause, "owner": owner.username if owner else None, "due_date": due},
        )
        if status != "open":
            problems.update(office, problem, {"status": status})


def demo_loaded() -> bool:
    return Staff.objects.filter(is_demo=True).exists()


def load_demo(*, cases: int = DEFAULT_CASES, now: dt.datetime | None = None, seed: int = SEED) -> DemoResult:
    """Build the demo bank, unless it is there already (then change nothing)."""
    if demo_loaded():
        return DemoResult(
            created=False,
            units=Unit.objects.count(),
            staff=Staff.objects.filter(is_demo=True).count(),
            cases=Case.objects.count(),
        )
    if Unit.objects.exists():
        raise DemoError(
            "The database already holds an organisation; the demo bank is loaded only into an empty database."
        )
    now = now or timezone.now()
    # Seeded, so the demo bank is the same every time: not for secrets (bandit: B311).
    rng = random.Random(seed)  # nosec B311
    people = _People(rng)
    with transaction.atomic():
        org = _organisation(rng, people)
        maker = _CaseMaker(rng, people, org, now)
        # Of the cases asked for: a few are the past cut-over weekend's, under an emergency plan (issue 12); a
        # few closed years ago, for retention (none in the smallest demos, which show every kind); and, in a
        # demo big enough, a media item found by monitoring.
        under_plan = min(len(_CUT_OVER_CASES), cases // 40)
        with_media = cases >= MEDIA_ITEM_FROM
        past = min(PAST_RETENTION, max(0, cases - PLAN_COVERS - under_plan - int(with_media)))
        _past_retention(maker, now, past)
        planned = [maker.data(*spec) for spec in _plan(rng, cases - under_plan - past - int(with_media))]
        # In order of receipt, so that case numbers count up with time as they do in real use.
        planned.sort(key=lambda item: item[1].received_at)
        for responder, data in planned:
            case = register_case(responder, data, files=_demo_files(rng), now=now).case
            _progress(case, responder, rng, now, org)
        _an_order_waiting(rng, now, org)
        # A past cut-over weekend under an emergency plan, with its complaints (issue 12).
        _cut_over_weekend(rng, people, org, now, under_plan)
        _referrals_checks_and_media(rng, now, org, with_media=with_media)
        # What the sweeper would have done meanwhile: warnings, breaches, supervision notices and the
        # escalations they bring, as of now.
        sweep(now)
        # Retention's first daily run, as of now: the old cases are anonymised, but the one on hold.
        retention.run(now=now, started_by="daily job")
    # The registration form suggests classes from the first minute, learned from the demo's closed cases.
    train_suggestions()
    _problems_recorded(now)
    return DemoResult(
        created=True,
        units=Unit.objects.count(),
        staff=len(org.all_staff),
        cases=Case.objects.count(),
    )
