from django.urls import path

from . import views

urlpatterns = [
    path(
        "admissions/<int:pk>/team/new/",
        views.assign_team_member,
        name="team-assignment-new",
    ),
    path(
        "team-assignments/<int:pk>/end/",
        views.end_team_assignment,
        name="team-assignment-end",
    ),
    path(
        "team-assignments/<int:pk>/withdraw/",
        views.withdraw_team_assignment,
        name="team-assignment-withdraw",
    ),
]
