from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.register, name="register"),
    path("cases/", views.register, name="cases"),
    path("cases/export.xlsx", views.export, name="export"),
    path("cases/new", views.new_case, name="new_case"),
    path("cases/<str:number>", views.case_detail, name="case"),
    path("cases/<str:number>/attachments/<int:attachment_id>", views.attachment, name="attachment"),
]
