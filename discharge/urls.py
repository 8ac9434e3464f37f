from django.urls import path

from . import views

urlpatterns = [
    path(
        "admissions/<int:pk>/discharge/new/",
        views.discharge_member,
        name="discharge-new",
    ),
    path(
        "discharges/<int:pk>/appointments/new/",
        views.record_appointment,
        name="appointment-new",
    ),
    path(
        "discharges/<int:pk>/withdraw/",
        views.withdraw_discharge,
        name="discharge-withdraw",
    ),
    path(
        "appointments/<int:pk>/withdraw/",
        views.withdraw_appointment,
        name="appointment-withdraw",
    ),
]
