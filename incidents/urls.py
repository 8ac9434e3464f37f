from django.urls import path

from . import views

urlpatterns = [
    path("incidents/", views.incident_list, name="incident-list"),
    path(
        "members/<int:member_id>/incidents/new/",
        views.record_incident,
        name="incident-new",
    ),
    path("incidents/<int:pk>/report/", views.report_incident, name="incident-report"),
    path(
        "incidents/<int:pk>/withdraw/",
        views.withdraw_incident,
        name="incident-withdraw",
    ),
]
