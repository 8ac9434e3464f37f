from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/login/"), name="home"),
    path(
        "members/<int:pk>/", RedirectView.as_view(url="/login/"), name="member-detail"
    ),
]
