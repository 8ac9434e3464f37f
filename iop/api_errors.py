"""Turning service errors into API responses."""

import logging

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ServiceError

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    """Answer a ServiceError with 400, keyed by the field at fault.

    The body has the same shape as a serializer's validation errors, plus
    `codes` with the machine-readable reason per field, for service errors
    and serializer errors alike.
    """
    if isinstance(exc, ServiceError):
        field = exc.field or api_settings.NON_FIELD_ERRORS_KEY
        body = {field: [exc.message], "codes": {field: [exc.code]}}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)

    response = drf_exception_handler(exc, context)
    is_field_errors = isinstance(response and response.data, dict)
    if isinstance(exc, exceptions.ValidationError) and is_field_errors:
        codes = exc.get_codes()
        if isinstance(codes, dict) and "codes" not in response.data:
            response.data["codes"] = codes
    return response
