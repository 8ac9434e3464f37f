from django.urls import path

from . import views

urlpatterns = [
    path(
        "members/<int:member_id>/referrals/new/",
        views.record_referral,
        name="referral-new",
    ),
    path(
        "referrals/<int:pk>/evaluation/new/",
        views.record_evaluation,
        name="evaluation-new",
    ),
    path(
        "referrals/<int:pk>/withdraw/",
        views.withdraw_referral,
        name="referral-withdraw",
    ),
    path(
        "evaluations/<int:pk>/admission/new/",
        views.admit_member,
        name="admission-new",
    ),
    path(
        "evaluations/<int:pk>/withdraw/",
        views.withdraw_evaluation,
        name="evaluation-withdraw",
    ),
    path(
        "admissions/<int:pk>/withdraw/",
        views.withdraw_admission,
        name="admission-withdraw",
    ),
]
