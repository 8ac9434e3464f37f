"""Turning service errors and unreadable requests into API responses."""

import logging

from django.http import Http404
from rest_framework import exceptions, parsers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .errors import ServiceError

logger = logging.getLogger(__name__)


class ApiJSONParser(parsers.JSONParser):
    """DRF's JSON parser, with a 400 for a body nested too deeply to parse.

    Python's JSON decoder raises RecursionError near the interpreter's
    recursion limit (1,000 frames by default). DRF's parser catches only
    ValueError, so without this the request ends in a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                "JSON parse error: the body is nested too deeply to read; send "
                "an object of field names and values."
            ) from None


def exception_handler(exc, context):
    """Return a 400 response for a ServiceError, keyed by the field at fault.

    The body has the same shape as a serializer's validation errors, plus
    `codes` with the machine-readable reason per field, for service errors
    and serializer errors alike. A 404 returns "Not found." instead of Django's
    message, which names the model class.
    """
    # Imported here because DRF's settings import this module while
    # rest_framework.views is still loading: APIView reads the parser classes
    # when its class is created.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, ServiceError):
        field = exc.field or api_settings.NON_FIELD_ERRORS_KEY
        body = {field: [exc.message], "codes": {field: [exc.code]}}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()

    response = drf_exception_handler(exc, context)
    is_field_errors = isinstance(response and response.data, dict)
    if isinstance(exc, exceptions.ValidationError) and is_field_errors:
        codes = exc.get_codes()
        if isinstance(codes, dict) and "codes" not in response.data:
            response.data["codes"] = codes
    return response
