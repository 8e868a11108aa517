"""API handlers that change something run as one unit of work."""

from __future__ import annotations

import functools

from marketplace.extensions import db
from marketplace.services import unit_of_work


def in_unit_of_work(handler):
    """Run `handler` as one unit of work: committed when it returns, rolled back when it raises."""

    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        return unit_of_work.run(db.session, lambda: handler(*args, **kwargs))

    return wrapper
