"""Pages for members, and the access checks every page uses."""

import functools
import logging
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseServerError
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils import timezone

from discharge.choices import NO_AFTERCARE_DISPOSITIONS

from . import selectors, services
from .audit import record_audit
from .choices import CLINICAL_ROLES, Role
from .forms import MemberForm, WithdrawForm, call_service
from .models import Member
from .permissions import staff_of

logger = logging.getLogger(__name__)

MEMBERS_PER_PAGE = 50

# Registering a member is clerical as well as clinical work.
REGISTER_ROLES = CLINICAL_ROLES | {Role.ADMINISTRATOR}

NO_STAFF_MESSAGE = (
    "Your account is not linked to an active staff record of a program, so no "
    "member data can be shown. Ask your program's administrator to add you as "
    "staff."
)


def staff_required(view=None, *, roles=None):
    """Let through signed-in active staff, with one of `roles` if given.

    Sets `request.staff`. Anyone else signed in gets a 403 page that explains
    why, and anyone signed out is sent to the login page.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            staff = staff_of(request.user)
            if staff is None or not staff.is_active:
                raise PermissionDenied(NO_STAFF_MESSAGE)
            if roles is not None and staff.role not in roles:
                allowed = ", ".join(sorted(Role(role).label for role in roles))
                raise PermissionDenied(
                    f"Your role ({staff.get_role_display()}) cannot make this "
                    f"change; ask a colleague with one of these roles: {allowed}."
                )
            request.staff = staff
            response = view(request, *args, **kwargs)
            _audit_page_read(request, response)
            return response

        return login_required(wrapper)

    return decorator(view) if view is not None else decorator


def _audit_page_read(request, response):
    # Every page a person reads may show member data, so each successful GET
    # is audited: with the member whose record it opened, if any. Pages that
    # write a more specific entry themselves set request.is_audited.
    if request.method != "GET" or response.status_code != 200:
        return
    if getattr(request, "is_audited", False):
        return
    record_audit(
        request.user,
        "page.viewed",
        member=getattr(request, "audited_member", None),
        program=request.staff.program,
        detail={"path": request.path},
    )


def get_program_object(request, model, pk, *related):
    """Load a record of the signed-in user's program.

    Raises Http404 for an unknown id and PermissionDenied (403) for a record
    of another program, because record ids are not secret but the data is.
    """
    record = get_object_or_404(model.objects.select_related(*related), pk=pk)
    if record.program_id != request.staff.program_id:
        raise PermissionDenied(
            "This record belongs to another program; you can only open records "
            "of your own program."
        )
    if isinstance(record, Member):
        request.audited_member = record
    else:
        request.audited_member = getattr(record, "member", None)
    return record


def withdraw_page(request, record, withdraw, *, title):
    """Ask for a reason and withdraw `record` with the service `withdraw`.

    Shared by every app's withdrawal page. Redirects to the member page, at
    once if the record is already withdrawn.
    """
    if record.is_withdrawn:
        messages.info(request, f"{title} #{record.pk} is already withdrawn.")
        return redirect("member-detail", record.member_id)

    form = WithdrawForm(request.POST or None)
    if request.method == "POST":
        done = call_service(
            form,
            lambda data: withdraw(record, reason=data["reason"], by=request.user),
        )
        if done is not None:
            messages.success(request, f"{title}: withdrawn.")
            return redirect("member-detail", record.member_id)
    return render(
        request,
        "record_form.html",
        {
            "form": form,
            "member": record.member,
            "title": f"Withdraw {title.lower()}",
            "intro": (
                "Withdraw a record only if it was entered in error. It stays on "
                "the member's record, marked withdrawn with your reason, and the "
                "deadlines it started or met are updated."
            ),
            "submit_label": "Withdraw",
            "is_danger": True,
        },
    )


@staff_required
def home(request):
    """Send the signed-in user to the member list."""
    return redirect("member-list")


@staff_required
def member_list(request):
    """List the program's members with their stage and open deadlines."""
    query = request.GET.get("q", "").strip()
    as_of = timezone.now()
    # The list shows names as "Last, First", so a comma separates words as a
    # space does, and a name copied from the list finds that member.
    words = query.replace(",", " ")
    members = selectors.with_stage_and_deadlines(
        selectors.search_members(request.staff.program, words), as_of
    )
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    for member in page:
        member.stage = selectors.stage_of(member)
        member.stage_label = selectors.STAGE_LABELS[member.stage]
    return render(
        request,
        "iop/member_list.html",
        {
            "page": page,
            "query": query,
            "can_register": request.staff.role in REGISTER_ROLES,
        },
    )


@staff_required(roles=REGISTER_ROLES)
def register_member(request):
    """Register a member of the user's program."""
    program = request.staff.program
    form = MemberForm(request.POST or None)
    if request.method == "POST":
        member = call_service(
            form,
            lambda data: services.register_member(program, by=request.user, **data),
        )
        if member is not None:
            messages.success(request, "Member registered.")
            return redirect(member)
    return render(
        request,
        "record_form.html",
        {"form": form, "title": "Register a member", "submit_label": "Register"},
    )


@staff_required
def member_detail(request, pk):
    """Show the member's stay stage by stage, each stage with its deadlines.

    Every view is written to the audit trail.
    """
    member = get_program_object(request, Member, pk, "program")
    as_of = timezone.now()
    stay = selectors.member_stay(member, as_of)
    record_audit(request.user, "member.viewed", member, member=member, at=as_of)
    request.is_audited = True
    return render(
        request,
        "iop/member_detail.html",
        {
            "member": member,
            "stay": stay,
            "can_record_clinical": request.staff.role in CLINICAL_ROLES,
            "no_aftercare_dispositions": NO_AFTERCARE_DISPOSITIONS,
            "as_of": as_of,
        },
    )


def server_error(request):
    """Apologise with a reference to quote, and log the error under it.

    Renders without the request context: the failure may be the database,
    which the context processors read.
    """
    reference = uuid.uuid4().hex[:12]
    logger.exception(
        "server error reference=%s method=%s path=%s",
        reference,
        request.method,
        request.path,
    )
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"reference": reference}))
