from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/read", views.read, name="read"),
    path("read-all", views.read_all, name="read_all"),
]
