import logging

from iop.logging import StripQueryStrings


def make_record(request_line):
    return logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (request_line, "200", "512"),
        None,
    )


def test_request_line_loses_its_query_string():
    record = make_record("GET /admin/iop/member/?q=Alder HTTP/1.1")

    StripQueryStrings().filter(record)

    assert record.getMessage() == '"GET /admin/iop/member/?… HTTP/1.1" 200 512'


def test_request_line_without_query_is_kept():
    record = make_record("GET /members/3/ HTTP/1.1")

    StripQueryStrings().filter(record)

    assert record.getMessage() == '"GET /members/3/ HTTP/1.1" 200 512'


def test_logging_settings_filter_the_console(settings):
    handler = settings.LOGGING["handlers"]["console"]

    assert "strip_query_strings" in handler["filters"]


def test_development_server_log_goes_through_the_filter(settings):
    server = settings.LOGGING["loggers"]["django.server"]

    assert server["handlers"] == ["console"]
    assert server["propagate"] is False
