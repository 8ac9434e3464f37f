"""Routes of the server-rendered pages; the API lives under /api/."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("members/", views.member_list, name="member-list"),
    path("members/new/", views.register_member, name="member-register"),
    path("members/<int:pk>/", views.member_detail, name="member-detail"),
    path("", include("referrals.urls")),
    path("", include("treatment.urls")),
    path("", include("discharge.urls")),
    path("", include("incidents.urls")),
    path("", include("deadlines.urls")),
]
