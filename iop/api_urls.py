from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from deadlines.api import AlertViewSet, DeadlineViewSet
from discharge.api import AppointmentViewSet, DischargeViewSet
from incidents.api import IncidentViewSet
from referrals.api import AdmissionViewSet, EvaluationViewSet, ReferralViewSet
from treatment.api import TeamMemberViewSet

from .api import MemberViewSet, ProgramViewSet

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
    path("token/", obtain_auth_token, name="api-token"),
    path("", include(router.urls)),
]
