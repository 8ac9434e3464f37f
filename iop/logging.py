"""Logging filters that keep member data out of the technical log."""

import logging
import re

# A query string such as ?q=Alder carries what a person searched for: often
# a member's name or plan ID.
QUERY_STRING = re.compile(r"\?[^\s\"]*")


def strip_query_string(text):
    """Replace every query string in `text` with "?…"."""
    return QUERY_STRING.sub("?…", text)


class StripQueryStrings(logging.Filter):
    """Drop query strings from request lines in log records' arguments."""

    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple(
                strip_query_string(arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True
