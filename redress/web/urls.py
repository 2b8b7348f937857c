from django.contrib.auth import views as auth_views
from django.urls import path

from . import (
    audit_views,
    case_views,
    people_views,
    performance_views,
    plan_views,
    public_views,
    report_views,
    retention_views,
    views,
    watch_views,
)

app_name = "web"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Without a login: reports of wrongdoing from the public, with a receipt (redress.web.public_views).
    path("public/report", public_views.report, name="public_report"),
    path("public/report/follow", public_views.follow, name="public_follow"),
    path("public/status", public_views.status, name="public_status"),
    # Each person's landing page: the dashboard for leaders, the office and work groups, else the register.
    path("", report_views.home, name="home"),
    path("cases/", views.register, name="register"),
    path("dashboard", report_views.dashboard_page, name="dashboard"),
    path("cases/export.xlsx", views.export, name="export"),
    path("cases/new", views.new_case, name="new_case"),
    path("cases/new/suggestions", views.new_case_suggestions, name="new_case_suggestions"),
    path("cases/mine", case_views.my_cases, name="my_cases"),
    path("cases/awaiting-instruction", case_views.awaiting_instruction, name="awaiting_instruction"),
    path("cases/due-soon", case_views.due_soon, name="due_soon"),
    path("reports/daily", report_views.daily, name="daily_report"),
    path("plans/", plan_views.plan_list, name="plans"),
    path("plans/new", plan_views.new_plan, name="new_plan"),
    path("plans/<int:plan_id>", plan_views.plan_centre, name="plan_centre"),
    path("plans/<int:plan_id>/state", plan_views.plan_state, name="plan_state"),
    path("plans/<int:plan_id>/extend", plan_views.extend_plan, name="plan_extend"),
    path("plans/<int:plan_id>/statements", plan_views.add_statement, name="plan_statement"),
    path("plans/<int:plan_id>/duty-log", plan_views.write_duty_log, name="plan_duty_log"),
    path("plans/<int:plan_id>/daily", plan_views.plan_daily_page, name="plan_daily"),
    path("plans/<int:plan_id>/<slug:step>", plan_views.plan_step, name="plan_step"),
    path("reports/daily.xlsx", report_views.daily_xlsx, name="daily_report_xlsx"),
    path("reports/performance", performance_views.performance_page, name="performance"),
    path("reports/performance.xlsx", performance_views.performance_xlsx, name="performance_xlsx"),
    path("reports/performance/print", performance_views.year_end_report, name="year_end_report"),
    path("reports/hotspots", performance_views.hotspots_page, name="hotspots"),
    path("reports/problems", performance_views.problem_list, name="problems"),
    path("reports/problems/<int:problem_id>", performance_views.problem_detail, name="problem"),
    path("reports/analysis/print", performance_views.analysis_report, name="analysis_report"),
    path("cases/to-sign-for", case_views.to_sign_for, name="to_sign_for"),
    path("cases/to-answer", case_views.to_answer, name="to_answer"),
    path("cases/to-follow-up", case_views.to_follow_up, name="to_follow_up"),
    path("cases/<str:number>", case_views.case_detail, name="case"),
    path("cases/<str:number>/act/<slug:action>", case_views.act, name="act"),
    path("cases/<str:number>/print/register", case_views.print_register_row, name="print_register"),
    path(
        "cases/<str:number>/print/transfer/<int:order_id>",
        case_views.print_transfer_order,
        name="print_transfer",
    ),
    path(
        "cases/<str:number>/print/report/<int:report_id>", case_views.print_result_report, name="print_report"
    ),
    path(
        "cases/<str:number>/print/notice/<int:notice_id>",
        case_views.print_supervision_notice,
        name="print_notice",
    ),
    path(
        "cases/<str:number>/print/external/<int:event_id>",
        case_views.print_external_report,
        name="print_external",
    ),
    path("cases/<str:number>/attachments/<int:attachment_id>", views.attachment, name="attachment"),
    path("cases/<str:number>/documents", case_views.add_documents, name="add_documents"),
    path("people/search", people_views.search_people, name="people_search"),
    path("checks/", watch_views.daily_checks, name="daily_checks"),
    path("media-items/new", watch_views.new_media_item, name="new_media_item"),
    path("audit/", audit_views.audit_trail, name="audit_trail"),
    path("audit/export.xlsx", audit_views.audit_trail_export, name="audit_trail_export"),
    path("retention/", retention_views.retention, name="retention"),
]
