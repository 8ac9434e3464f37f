"""Running code in several threads at once against the test database."""

import threading

from django.db import connection


def run_at_once(function, count):
    """Call `function()` in `count` threads released together by a barrier.

    Each thread uses its own database connection and closes it when it ends,
    so the test's flush is not blocked. Returns the results and the
    exceptions raised (None where there was none), both in thread order.
    """
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except Exception as error:
            errors[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors
