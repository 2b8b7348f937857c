"""Named constants of a case, with their zh-Hans / English labels. API values are fixed by GLOSSARY.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("complaint")
    SUGGESTION = "suggestion", _("suggestion")
    PETITION = "petition", _("petition")
    WHISTLEBLOW = "whistleblow", _("report of wrongdoing")
    ENQUIRY = "enquiry", _("enquiry")


class Channel(models.TextChoices):
    COUNTER = "counter", _("outlet counter")
    VISIT = "visit", _("walk-in visit")
    COMMENT_BOX = "comment_box", _("comment book or box")
    PHONE = "phone", _("phone")
    HOTLINE = "hotline", _("customer service hotline")
    HQ_SERVICE_CENTRE = "hq_service_centre", _("head office service centre")
    LETTER = "letter", _("letter")
    ONLINE = "online", _("online")
    MEDIA = "media", _("media")
    SUPERIOR_REFERRAL = "superior_referral", _("referral from a superior level")
    GOVERNMENT = "government", _("government referral")
    REGULATOR = "regulator", _("regulator")
    BANKING_ASSOCIATION = "banking_association", _("banking association")
    CONSUMER_ASSOCIATION = "consumer_association", _("consumer association")


# External channels are always counted in the complaint statistics (R7.4, GLOSSARY.md).
EXTERNAL_CHANNELS: frozenset[str] = frozenset(
    {
        Channel.HQ_SERVICE_CENTRE,
        Channel.MEDIA,
        Channel.SUPERIOR_REFERRAL,
        Channel.GOVERNMENT,
        Channel.REGULATOR,
        Channel.BANKING_ASSOCIATION,
        Channel.CONSUMER_ASSOCIATION,
    }
)


class Category(models.TextChoices):
    """The procedures' categories (R6.1, P3§13): each has its own handling path."""

    WORK_ERROR = "work_error", _("work error")
    SERVICE_ATTITUDE = "service_attitude", _("service attitude")
    INTERNAL_MANAGEMENT = "internal_management", _("internal management")
    SERVICE_PRODUCT = "service_product", _("service product")
    SERVICE_CHANNEL = "service_channel", _("service channel")
    RULE_VIOLATION = "rule_violation", _("rule violation")
    FINANCIAL_CRIME = "financial_crime", _("financial crime")
    ANONYMOUS = "anonymous", _("anonymous")


class State(models.TextChoices):
    """States of a case. Only the lifecycle's transitions change a case's state."""

    REGISTERED = "registered", _("registered")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("not accepted")
    TRANSFERRED = "transferred", _("transferred")
    IN_PROGRESS = "in_progress", _("in progress")
    REPLIED = "replied", _("replied")
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn")


OPEN_STATES: frozenset[str] = frozenset(
    {State.REGISTERED, State.ACCEPTED, State.TRANSFERRED, State.IN_PROGRESS, State.REPLIED}
)
# Accepted and not yet closed: the states in which the case is being worked on.
WORKING_STATES: frozenset[str] = OPEN_STATES - {State.REGISTERED}
ENDED_STATES: frozenset[str] = frozenset({State.CLOSED, State.REJECTED, State.WITHDRAWN})


class Flag(models.TextChoices):
    GROUP = "group", _("group complaint")
    MAJOR = "major", _("major complaint")
    REPEAT = "repeat", _("repeat complaint")
    SKIP_LEVEL = "skip_level", _("skip-level complaint")
    MEDIA_THREAT = "media_threat", _("media threat")
    LEGAL_DISPUTE = "legal_dispute", _("economic dispute")
    CROSS_PROVINCE = "cross_province", _("cross-province")
    CONFIDENTIAL = "confidential", _("confidential")
    ANONYMOUS = "anonymous", _("anonymous")


class Dimension(models.TextChoices):
    """The three regulatory classification dimensions of JR/T 0169-2018 (REGULATION.md)."""

    CHANNEL = "channel", _("regulatory channel")
    BUSINESS_CATEGORY = "business_category", _("business category")
    REASON = "reason", _("reason")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("registered")
    FLAG_SET = "flag_set", _("flag set")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("not accepted")
    ANSWERED_ON_SPOT = "answered_on_spot", _("answered on the spot")
    INSTRUCTED = "instructed", _("instruction written")
    TRANSFERRED = "transferred", _("transferred")
    ACKNOWLEDGED = "acknowledged", _("transfer acknowledged")
    BOUNCED = "bounced", _("transfer sent back")
    CHASED = "chased", _("handler chased")
    REPORTED_TO_HEAD = "reported_to_head", _("reported to the handler's head")
    CONTACTED = "contacted", _("customer contacted")
    RESULT_REPORTED = "result_reported", _("result report filed")
    REPLIED = "replied", _("replied to the customer")
    FOLLOWED_UP = "followed_up", _("follow-up call")
    ESCALATED = "escalated", _("escalated")
    WITHDRAWN = "withdrawn", _("withdrawn")
    WITHDRAWAL_UNDER_PRESSURE = "withdrawal_under_pressure", _("withdrawal under pressure")
    CLOSED = "closed", _("closed")
    REOPENED = "reopened", _("reopened")
    COMPENSATION_APPROVED = "compensation_approved", _("compensation approved")
    REFERRED_LEGAL = "referred_legal", _("referred to legal counsel")
    SAFETY_RECORDED = "safety_recorded", _("safety incident recorded")
    EXPLAINED = "explained", _("rule explained (not the bank's fault)")
    REPEAT_LINKED = "repeat_linked", _("linked to an earlier case")
    REVERIFIED = "reverified", _("re-verified")
    ANONYMOUS_ASSESSED = "anonymous_assessed", _("anonymous report assessed")
    CLOCKS_PAUSED = "clocks_paused", _("clocks paused")
    CLOCKS_RESUMED = "clocks_resumed", _("clocks resumed")
    EXTENSION_REQUESTED = "extension_requested", _("extension requested")
    EXTENSION_DECIDED = "extension_decided", _("extension decided")
    NEW_FACTS = "new_facts", _("new facts received")
    DOCUMENT_ADDED = "document_added", _("documents added")
    ACCOUNTABILITY_RECORDED = "accountability_recorded", _("accountability recorded")
    INVESTIGATION_CONCLUDED = "investigation_concluded", _("investigation concluded")
    REFERRED_JUDICIAL = "referred_judicial", _("referred to the judicial authorities")
    REPORTED_EXTERNALLY = "reported_externally", _("reported outside the bank")
    REFERRAL_RECORDED = "referral_recorded", _("referring body recorded")
    REFERRER_ANSWERED = "referrer_answered", _("reply sent back to the referring body")
    # A report of wrongdoing sent on the public page: the bank's messages to its reporter and their additions.
    REPORTER_MESSAGED = "reporter_messaged", _("message to the reporter")
    REPORTER_ADDED = "reporter_added", _("the reporter added material")
    # A person saw the complainant's phone and ID number in full, with the purpose they gave (R10.3).
    REVEALED = "revealed", _("personal data revealed")
    # Under an emergency plan (redress/lifecycle/emergency.py).
    VERBAL_LOSS_REPORTED = "verbal_loss_reported", _("verbal loss report recorded")
    LOSS_REPORT_SETTLED = "loss_report_settled", _("verbal loss report settled")
    EMERGENCY_PAID = "emergency_paid", _("emergency payment recorded")
    PLAN_CONFIRMED = "plan_confirmed", _("business line's confirmation recorded")
    REPORTED_TO_GROUP = "reported_to_group", _("reported to the plan's work group")
    LOSS_REPORT_REMINDED = "loss_report_reminded", _("reminded of a lapsing verbal loss report")
    ATM_DIRECTED = "atm_directed", _("customer directed to another bank's ATM")
    ATM_FEE_DECIDED = "atm_fee_decided", _("ATM fee question settled")
    BUSINESS_LINE_REPORTED = "business_line_reported", _("reported through the business line")
    WAIT_SOOTHED = "wait_soothed", _("waiting customer soothed")
    COMPENSATION_CLAIMED = "compensation_claimed", _("compensation claim recorded")
    PLAN_PAYOUT_AGREED = "plan_payout_agreed", _("payout agreed with the business line")
    AGGRESSIVE_HANDLED = "aggressive_handled", _("aggressive customer handled")
    COORDINATED = "coordinated", _("coordinated through others")
    CROSS_PROVINCE_REPORTED = "cross_province_reported", _("cross-province complaint reported up")
    ANGER_REPORTED = "anger_reported", _("customer's anger reported up")
    # A legal hold keeps a closed case whole past its retention (R10.5, decision 0037), until lifted.
    HOLD_SET = "hold_set", _("legal hold set")
    HOLD_LIFTED = "hold_lifted", _("legal hold lifted")
    # Written by the sweeper: the case's record of what came due and what followed.
    CLOCK_WARNED = "clock_warned", _("time limit about to run out")
    CLOCK_BREACHED = "clock_breached", _("time limit breached")
    NOTICE_ISSUED = "notice_issued", _("supervision notice issued")
    NOTICE_BREACHED = "notice_breached", _("supervision notice breached")


class RevealPurpose(models.TextChoices):
    """Why a person needs the complainant's phone or ID number in full (R10.3): one must be chosen."""

    CALL_BACK = "call_back", _("call the customer back")
    VERIFY_IDENTITY = "verify_identity", _("verify the customer's identity")
    WRITTEN_REPLY = "written_reply", _("send the written reply")
    CHECK_ACCOUNTS = "check_accounts", _("check the customer's business records")
    AUTHORITY_REQUEST = "authority_request", _("answer a regulator's or court's request")


class ContactMethod(models.TextChoices):
    """How the customer was reached or told; REGULATION.md decides when each counts as in time."""

    WRITTEN = "written", _("written notice handed over")
    POST = "post", _("post")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("e-mail")
    PHONE = "phone", _("phone")
    IN_PERSON = "in_person", _("in person")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("basically satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


class Responsibility(models.TextChoices):
    AT_FAULT = "at_fault", _("at fault")
    NOT_AT_FAULT = "not_at_fault", _("not at fault")
    SHARED = "shared", _("shared")


class StatClass(models.TextChoices):
    NOT_COUNTED = "not_counted", _("solved at outlet, not counted")
    ENQUIRY_CLASS = "enquiry_class", _("counted as enquiry")
    COUNTED = "counted", _("counted as complaint")


class TransferState(models.TextChoices):
    OPEN = "open", _("awaiting acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    BOUNCED = "bounced", _("sent back")
    REPORTED = "reported", _("result reported")


class SafetyIncident(models.TextChoices):
    AGGRESSIVE = "aggressive", _("aggressive customer")
    DRUNK = "drunk", _("drunk customer")
    MENTAL_ILLNESS = "mental_illness", _("customer with mental illness")
    CROWD = "crowd", _("crowd incident")


class Sanction(models.TextChoices):
    """What an accountability record decides (P1 三、3; P2 第九条(三); P3 第二十三、二十四条)."""

    CRITICISM = "criticism", _("criticism and education")
    NOTICE = "notice", _("notice of criticism")
    ASSESSMENT = "assessment", _("deduction in the performance assessment")
    FINE = "fine", _("financial penalty")
    DISCIPLINE = "discipline", _("disciplinary sanction")
    DISMISSAL = "dismissal", _("removal from post")


class ExternalBody(models.TextChoices):
    """Where a major or media complaint is reported outside the bank (P3 第十五条, 第二十条)."""

    REGULATOR = "regulator", _("local office of the banking regulator")
    UNION_OFFICE = "union_office", _("provincial rural credit union's office")
    PBOC = "pboc", _("local branch of the People's Bank of China")
    OTHER = "other", _("other authority")


class InvestigationState(models.TextChoices):
    OPEN = "open", _("open")
    CONCLUDED = "concluded", _("concluded")
