"""Recording referrals, evaluations and admissions, and withdrawing them.

Each function validates, writes in one transaction, opens or closes the
deadlines the change affects and writes the audit entry.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from deadlines import rules
from deadlines.services import (
    cancel_deadlines,
    cancel_member_deadlines,
    meet_deadline,
    open_deadline,
    reopen_deadlines_cancelled_by,
    reopen_deadlines_met_by,
    void_deadlines,
)
from iop.audit import record_audit
from iop.errors import ServiceError
from iop.models import Member
from iop.services import mark_withdrawn
from iop.validation import (
    format_local,
    require_not_before,
    require_not_future,
    require_reason,
)

from .choices import EvaluationOutcome, PlanProduct, ReferralKind, ReferralSource
from .models import Admission, Evaluation, Referral

EVALUATION_RULES = {
    ReferralKind.DIVERSION: rules.EVALUATION_DIVERSION,
    ReferralKind.STEP_DOWN: rules.EVALUATION_STEP_DOWN,
}


def record_referral(member, *, source, kind, plan_product, received_at, by, as_of=None):
    """Record a referral and open its evaluation deadline.

    Diversion referrals are due for evaluation by the end of the next day,
    step-down referrals by the end of the second day after. Raises
    ServiceError for a member who is admitted now and for a copy of a
    referral already recorded.
    """
    as_of = as_of or timezone.now()
    if member is None:
        raise ServiceError(
            "member", "required", "Member is missing; choose the member."
        )
    program = member.program
    if kind not in EVALUATION_RULES:
        raise ServiceError(
            "kind",
            "invalid_choice",
            f"Referral kind {kind!r} is not known; choose diversion or step_down.",
        )
    if source not in ReferralSource.values:
        raise ServiceError(
            "source",
            "invalid_choice",
            f"Referral source {source!r} is not known; choose one of "
            f"{', '.join(ReferralSource.values)}.",
        )
    if plan_product not in PlanProduct.values:
        raise ServiceError(
            "plan_product",
            "invalid_choice",
            f"Health plan product {plan_product!r} is not known; choose one of "
            f"{', '.join(PlanProduct.values)}.",
        )
    require_not_future("received_at", received_at, as_of, "Received time", program.tz)

    with transaction.atomic():
        # The member row lock serializes referrals for one member, so a form
        # sent twice at once records one referral and rejects the copy.
        Member.objects.select_for_update().get(pk=member.pk)
        _require_no_open_admission(member, "member", program.tz)
        duplicate = Referral.objects.filter(
            member=member,
            kind=kind,
            source=source,
            received_at=received_at,
            withdrawn_at__isnull=True,
        ).first()
        if duplicate is not None:
            raise ServiceError(
                "received_at",
                "duplicate",
                f"This referral is already recorded (#{duplicate.pk}, received "
                f"{format_local(received_at, program.tz)}); open the member's page "
                "instead of sending it again.",
            )
        referral = Referral.objects.create(
            member=member,
            program=program,
            source=source,
            kind=kind,
            plan_product=plan_product,
            received_at=received_at,
            recorded_at=as_of,
            recorded_by=by,
        )
        open_deadline(
            EVALUATION_RULES[kind],
            referral,
            started_at=received_at,
            member=member,
            program=program,
        )
        record_audit(by, "referral.recorded", referral, at=as_of)
    return referral


def withdraw_referral(referral, *, reason, by, as_of=None):
    """Withdraw a referral and cancel its open deadlines with the reason.

    The admission deadline of its evaluation, if still open, is cancelled
    too. A referral that led to an admission cannot be withdrawn until the
    admission is.
    """
    as_of = as_of or timezone.now()
    reason = require_reason(reason)

    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.is_withdrawn:
            raise ServiceError(
                None,
                "already_withdrawn",
                f"Referral #{referral.pk} is already withdrawn.",
            )
        if Admission.objects.filter(
            evaluation__referral=referral, withdrawn_at__isnull=True
        ).exists():
            raise ServiceError(
                None,
                "has_admission",
                f"Referral #{referral.pk} led to an admission; withdraw the "
                "admission first if it was entered in error.",
            )
        mark_withdrawn(referral, reason=reason, by=by, as_of=as_of)
        cancel_deadlines(referral, reason=f"Referral withdrawn: {reason}", at=as_of)
        for evaluation in referral.evaluations.filter(withdrawn_at__isnull=True):
            cancel_deadlines(
                evaluation, reason=f"Referral withdrawn: {reason}", at=as_of
            )
        record_audit(
            by, "referral.withdrawn", referral, at=as_of, detail={"reason": reason}
        )
    return referral


def record_evaluation(referral, *, completed_at, evaluated_by, outcome, by, as_of=None):
    """Record the evaluation of a referral.

    Meets the referral's evaluation deadline at `completed_at` and opens the
    admission deadline (24 hours). Any outcome but admit cancels the
    admission deadline at once, with the outcome as the reason.
    """
    as_of = as_of or timezone.now()
    if referral is None:
        raise ServiceError(
            "referral", "required", "Referral is missing; choose the referral."
        )
    program = referral.program
    tz = program.tz
    if referral.is_withdrawn:
        raise _withdrawn_referral(referral)
    if outcome not in EvaluationOutcome.values:
        raise ServiceError(
            "outcome",
            "invalid_choice",
            f"Outcome {outcome!r} is not known; choose admit, not_admitted or "
            "referred_elsewhere.",
        )
    is_clinical_staff = (
        evaluated_by is not None
        and evaluated_by.program_id == program.id
        and evaluated_by.is_active
        and evaluated_by.can_record_clinical
    )
    if not is_clinical_staff:
        raise ServiceError(
            "evaluated_by",
            "not_program_clinician",
            "Evaluated by: choose an active clinician, psychiatrist or director "
            "of this member's program.",
        )
    require_not_future("completed_at", completed_at, as_of, "Completed time", tz)
    require_not_before(
        "completed_at",
        completed_at,
        referral.received_at,
        "Completed time",
        "referral's received time",
        tz,
        code="before_referral",
    )

    try:
        with transaction.atomic():
            # The caller's copy may predate a withdrawal, so check the locked row.
            if Referral.objects.select_for_update().get(pk=referral.pk).is_withdrawn:
                raise _withdrawn_referral(referral)
            if referral.evaluations.filter(withdrawn_at__isnull=True).exists():
                raise _already_evaluated(referral)
            if outcome == EvaluationOutcome.ADMIT:
                # An admit outcome opens an admission clock that a member
                # already in the program could never meet.
                _require_no_open_admission(referral.member, "outcome", tz)
            evaluation = Evaluation.objects.create(
                referral=referral,
                member=referral.member,
                program=program,
                completed_at=completed_at,
                evaluated_by=evaluated_by,
                outcome=outcome,
                recorded_at=as_of,
                recorded_by=by,
            )
            meet_deadline(
                EVALUATION_RULES[referral.kind],
                referral,
                met_at=completed_at,
                met_by=evaluation,
            )
            open_deadline(
                rules.ADMISSION,
                evaluation,
                started_at=completed_at,
                member=referral.member,
                program=program,
            )
            if outcome != EvaluationOutcome.ADMIT:
                label = EvaluationOutcome(outcome).label.lower()
                cancel_deadlines(
                    evaluation, reason=f"Evaluation outcome: {label}", at=completed_at
                )
            record_audit(by, "evaluation.recorded", evaluation, at=as_of)
    except IntegrityError as error:
        raise _already_evaluated(referral) from error
    return evaluation


def _withdrawn_referral(referral):
    return ServiceError(
        "referral",
        "withdrawn",
        f"Referral #{referral.pk} was withdrawn; record a new referral first.",
    )


def _already_evaluated(referral):
    return ServiceError(
        "referral",
        "already_evaluated",
        f"Referral #{referral.pk} already has an evaluation; withdraw it first "
        "if it was entered in error.",
    )


def withdraw_evaluation(evaluation, *, reason, by, as_of=None):
    """Withdraw an evaluation entered in error.

    The referral's evaluation deadline opens again and the admission
    deadline it started is cancelled. Refused while an admission rests on it.
    """
    as_of = as_of or timezone.now()
    reason = require_reason(reason)

    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if evaluation.is_withdrawn:
            raise ServiceError(
                None,
                "already_withdrawn",
                f"Evaluation #{evaluation.pk} is already withdrawn.",
            )
        if evaluation.admissions.filter(withdrawn_at__isnull=True).exists():
            raise ServiceError(
                None,
                "has_admission",
                f"Evaluation #{evaluation.pk} led to an admission; withdraw the "
                "admission first.",
            )
        mark_withdrawn(evaluation, reason=reason, by=by, as_of=as_of)
        reopen_deadlines_met_by(
            evaluation, actor=by, reason=f"Evaluation withdrawn: {reason}", at=as_of
        )
        void_deadlines(
            evaluation, reason=f"Evaluation withdrawn: {reason}", actor=by, at=as_of
        )
        record_audit(
            by, "evaluation.withdrawn", evaluation, at=as_of, detail={"reason": reason}
        )
    return evaluation


def admit_member(evaluation, *, admitted_at, by, as_of=None):
    """Admit the evaluated member.

    Meets the admission deadline at `admitted_at` and opens the care-team
    deadline (24 hours). The member row is locked first, so two admissions
    sent at once for one member are serialized and the second is rejected.
    The partial unique constraint on open admissions is the last guard.
    """
    as_of = as_of or timezone.now()
    if evaluation is None:
        raise ServiceError(
            "evaluation",
            "required",
            "Evaluation is missing; an admission follows an evaluation with "
            "outcome admit, so record or choose that evaluation first.",
        )
    program = evaluation.program
    tz = program.tz
    if evaluation.is_withdrawn or evaluation.referral.is_withdrawn:
        raise _withdrawn_evaluation(evaluation)
    if evaluation.outcome != EvaluationOutcome.ADMIT:
        raise ServiceError(
            "evaluation",
            "not_admit_outcome",
            f"Evaluation #{evaluation.pk} did not decide to admit (outcome: "
            f"{evaluation.get_outcome_display().lower()}); record an evaluation "
            "with outcome admit first.",
        )
    require_not_future("admitted_at", admitted_at, as_of, "Admission time", tz)
    require_not_before(
        "admitted_at",
        admitted_at,
        evaluation.completed_at,
        "Admission time",
        "evaluation's completed time",
        tz,
        code="before_evaluation",
    )

    try:
        with transaction.atomic():
            Member.objects.select_for_update().get(pk=evaluation.member_id)
            # Withdrawals lock the evaluation or the referral, and the
            # caller's copy may predate one: lock both rows and check again.
            locked = (
                Evaluation.objects.select_for_update()
                .select_related("referral")
                .get(pk=evaluation.pk)
            )
            if locked.is_withdrawn or locked.referral.is_withdrawn:
                raise _withdrawn_evaluation(evaluation)
            open_admission = Admission.objects.filter(
                member_id=evaluation.member_id, closed_at__isnull=True
            ).first()
            if open_admission is not None:
                raise _second_admission(open_admission, tz)
            if evaluation.admissions.filter(withdrawn_at__isnull=True).exists():
                raise ServiceError(
                    "evaluation",
                    "already_admitted",
                    f"Evaluation #{evaluation.pk} already led to an admission.",
                )
            admission = Admission.objects.create(
                evaluation=evaluation,
                member_id=evaluation.member_id,
                program=program,
                admitted_at=admitted_at,
                recorded_at=as_of,
                recorded_by=by,
            )
            meet_deadline(
                rules.ADMISSION, evaluation, met_at=admitted_at, met_by=admission
            )
            # Another evaluation of the same member with outcome admit can no
            # longer lead to an admission while this one is open.
            cancel_member_deadlines(
                admission.member,
                rules.ADMISSION,
                reason=f"Member admitted through evaluation #{evaluation.pk}",
                at=admitted_at,
                except_subject=evaluation,
                cause=admission,
            )
            open_deadline(
                rules.TEAM_ASSIGNMENT,
                admission,
                started_at=admitted_at,
                member=admission.member,
                program=program,
            )
            record_audit(by, "admission.recorded", admission, at=as_of)
    except IntegrityError as error:
        open_admission = Admission.objects.filter(
            member_id=evaluation.member_id, closed_at__isnull=True
        ).first()
        if open_admission is None:
            # The other guard: this evaluation already led to an admission.
            raise ServiceError(
                "evaluation",
                "already_admitted",
                f"Evaluation #{evaluation.pk} already led to an admission.",
            ) from error
        raise _second_admission(open_admission, tz) from error
    return admission


def _withdrawn_evaluation(evaluation):
    return ServiceError(
        "evaluation",
        "withdrawn",
        f"Evaluation #{evaluation.pk} or its referral was withdrawn; record "
        "a new evaluation first.",
    )


def _require_no_open_admission(member, field, tz):
    open_admission = Admission.objects.filter(
        member=member, closed_at__isnull=True
    ).first()
    if open_admission is not None:
        raise _second_admission(open_admission, tz, field=field)


def _second_admission(open_admission, tz, field="evaluation"):
    return ServiceError(
        field,
        "open_admission_exists",
        f"This member already has an open admission (#{open_admission.pk}, "
        f"admitted {format_local(open_admission.admitted_at, tz)}); discharge "
        "the member before admitting them again.",
    )


def withdraw_admission(admission, *, reason, by, as_of=None):
    """Withdraw an admission entered in error.

    The evaluation's admission deadline opens again and the care-team
    deadline it started is cancelled. Refused while a discharge rests on it.
    """
    as_of = as_of or timezone.now()
    reason = require_reason(reason)

    with transaction.atomic():
        admission = Admission.objects.select_for_update().get(pk=admission.pk)
        if admission.is_withdrawn:
            raise ServiceError(
                None,
                "already_withdrawn",
                f"Admission #{admission.pk} is already withdrawn.",
            )
        if admission.discharges.filter(withdrawn_at__isnull=True).exists():
            raise ServiceError(
                None,
                "has_discharge",
                f"Admission #{admission.pk} has a discharge; withdraw the "
                "discharge first.",
            )
        mark_withdrawn(admission, reason=reason, by=by, as_of=as_of)
        if admission.closed_at is None:
            admission.closed_at = as_of
            admission.save(update_fields=["closed_at"])
        reopen_deadlines_met_by(
            admission, actor=by, reason=f"Admission withdrawn: {reason}", at=as_of
        )
        void_deadlines(
            admission, reason=f"Admission withdrawn: {reason}", actor=by, at=as_of
        )
        reopen_deadlines_cancelled_by(
            admission, actor=by, reason=f"Admission withdrawn: {reason}", at=as_of
        )
        record_audit(
            by, "admission.withdrawn", admission, at=as_of, detail={"reason": reason}
        )
    return admission
