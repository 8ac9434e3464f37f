from django.http import JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from deadlines.api import AlertViewSet, DeadlineViewSet
from discharge.api import AppointmentViewSet, DischargeViewSet
from incidents.api import IncidentViewSet
from referrals.api import AdmissionViewSet, EvaluationViewSet, ReferralViewSet
from treatment.api import TeamMemberViewSet

from .api import MemberViewSet, ProgramViewSet, TokenView


def not_found(request):
    return JsonResponse(
        {"detail": "Not found; the API's resources are listed at /api/."},
        status=404,
    )


router = DefaultRouter()
router.register("programs", ProgramViewSet, basename="api-program")
router.register("members", MemberViewSet, basename="api-member")
router.register("referrals", ReferralViewSet, basename="api-referral")
router.register("evaluations", EvaluationViewSet, basename="api-evaluation")
router.register("admissions", AdmissionViewSet, basename="api-admission")
router.register("team-members", TeamMemberViewSet, basename="api-team-member")
router.register("discharges", DischargeViewSet, basename="api-discharge")
router.register("appointments", AppointmentViewSet, basename="api-appointment")
router.register("incidents", IncidentViewSet, basename="api-incident")
router.register("deadlines", DeadlineViewSet, basename="api-deadline")
router.register("alerts", AlertViewSet, basename="api-alert")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"
    ),
    path("token/", TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
    # Any other address under /api/ gets a JSON 404, not the HTML page. Only
    # paths ending in a slash match, so Django still redirects /api/members
    # to /api/members/.
    re_path(r"^.*/$", not_found, name="api-not-found"),
]
