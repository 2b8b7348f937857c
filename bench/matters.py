"""Varied Chinese complaint matters for the search benchmark, and the two-word searches to time over them.

A matter is a template filled with a product, a problem, a place or a day and a detail, so words repeat as
they do in a real register: each product is in about 1/24 of the matters, each problem in about 1/30, and a
search of a product and a problem (信用卡 年费) finds about 1 case in 720 — the shape of a clerk looking for
"the other complaints like this one". The same seed gives the same matters and the same searches.
"""

from __future__ import annotations

import random

PRODUCTS = [
    "借记卡", "信用卡", "存折", "社保卡", "手机银行", "网上银行", "个人贷款", "房贷", "理财产品", "基金",
    "代理保险", "定期存单", "跨行转账", "外汇", "代发工资", "车贷", "医保卡", "信用卡分期", "贵金属", "国债",
    "大额存单", "养老金账户", "公积金贷款", "短信通知",
]  # fmt: skip
# (the problem as told, the word a clerk would search it by)
PROBLEMS = [
    ("打印机坏了，补登不了", "打印机"),
    ("年费未经告知即被扣收", "年费"),
    ("转账失败但资金已被扣", "失败"),
    ("密码重置要求本人到场，来回跑了三趟", "密码"),
    ("柜员态度冷淡，不予解释", "态度"),
    ("排队等候一个多小时", "排队"),
    ("在自助设备上被吞卡后无人处理", "吞卡"),
    ("短信费被重复扣收", "短信费"),
    ("实际利率与宣传不符", "利率"),
    ("被搭售保险产品", "搭售"),
    ("账户被冻结无法使用", "冻结"),
    ("挂失以后仍被盗刷", "盗刷"),
    ("提前还款被收取违约金", "违约金"),
    ("征信记录出现逾期", "征信"),
    ("催收电话骚扰家人", "催收"),
    ("手续费收取标准不透明", "手续费"),
    ("额度被无故降低", "额度"),
    ("登录时一直提示系统错误", "登录"),
    ("到账时间超过承诺", "到账"),
    ("销售人员夸大收益", "收益"),
    ("赎回资金迟迟未到账", "赎回"),
    ("积分兑换被拒绝", "积分"),
    ("开户时被要求提供过多材料", "开户"),
    ("销户被要求回到开户网点办理", "销户"),
    ("一直收不到验证码", "验证码"),
    ("取款时少了两张钞票", "少钞"),
    ("外币兑换的汇率差价过大", "汇率"),
    ("贷款审批拖了两个月", "审批"),
    ("客户经理离职以后无人跟进", "客户经理"),
    ("工作人员泄露了客户的个人信息", "泄露"),
]
PLACES = [
    "营业部", "东湖网点", "自助银行", "江汉支行", "社区网点", "柜台", "理财室", "贵宾室", "城南支行",
    "开发区支行", "汉口网点", "大堂",
]  # fmt: skip
DAYS = ["上周一", "昨天上午", "本月初", "三月五日", "前天下午", "上个月", "今天早上", "周末"]
DETAILS = [
    "多次致电客服热线未得到答复",
    "网点负责人也没有给出解释",
    "客户情绪激动，要求给个说法",
    "客户表示已经是第二次反映",
    "客户表示将向监管部门反映",
    "耽误了客户半天的工作",
    "客户年事已高，行动不便",
    "客户要求查看当时的监控录像",
    "大堂经理称系统原因无法处理",
    "客户认为银行存在过错",
    "客户家属陪同前来反映",
    "客户称此前已在网上留言",
    "客户要求减免相关费用",
    "客户不认可网点给出的说法",
    "客户称其他银行可以当场办理",
]
TEMPLATES = [
    "客户反映在{place}办理{product}业务时{problem}，{detail}。",
    "客户投诉其{product}{problem}，{detail}。",
    "{day}客户来电称{product}{problem}，{detail}。",
    "客户称{place}的工作人员在办理{product}时{problem}，{detail}。",
    "{day}客户在{place}咨询{product}，反映{problem}，{detail}。",
    "客户来信反映{product}方面的问题：{problem}。{detail}。",
    "客户在{place}排队办理{product}，{problem}，{detail}。",
    "客户通过总行客服中心反映，{day}其{product}{problem}，{detail}。",
    "客户现场反映：{product}{problem}。{detail}。",
    "{day}客户到{place}反映{product}{problem}，{detail}。",
]


def matters(count: int, seed: int = 13) -> list[tuple[str, str]]:
    """`count` distinct matters as (matter, product)."""
    rnd = random.Random(seed)
    seen: dict[str, str] = {}
    while len(seen) < count:
        product = rnd.choice(PRODUCTS)
        text = rnd.choice(TEMPLATES).format(
            place=rnd.choice(PLACES),
            product=product,
            problem=rnd.choice(PROBLEMS)[0],
            day=rnd.choice(DAYS),
            detail=rnd.choice(DETAILS),
        )
        seen.setdefault(text, product)
    return list(seen.items())


def searches(count: int, seed: int = 7) -> list[str]:
    """`count` searches of two words, a product and a problem, as a clerk types them (信用卡 年费)."""
    rnd = random.Random(seed)
    return [f"{rnd.choice(PRODUCTS)} {rnd.choice(PROBLEMS)[1]}" for _ in range(count)]
