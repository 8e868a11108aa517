"""Pagination for every list, page or API: one page size, one bound, one way to cut a page.

A page is Flask-SQLAlchemy's `Pagination` (items, page, per_page, total, pages, has_prev,
has_next, prev_num, next_num, iter_pages), made with the caller's session so that services can
return one: the page's rows and the total, in two statements whatever the row count. The
query's eager-loading options apply to the page's rows only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_sqlalchemy.pagination import Pagination, SelectPagination

DEFAULT_PAGE_SIZE = 50
# The bounds GET /wallet/transactions has accepted since it was paginated, now for every list.
MAX_PAGE_SIZE = 500
MAX_PAGE = 100_000


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list to show, within the bounds."""

    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE


FIRST_PAGE = PageRequest()

def _bounded(raw: str | None, default: int, high: int) -> int:
    try:
        value = int(raw) if raw not in (None, "") else default
    except ValueError:
        return default
    return min(max(value, 1), high)


def page_request(args: Mapping[str, str]) -> PageRequest:
    """`page` and `per_page` from a page's query string: missing or nonsense values give page 1
    and DEFAULT_PAGE_SIZE, out-of-range ones the nearest bound (a link never breaks a page; the
    API refuses such values with 422 instead)."""
    return PageRequest(page=_bounded(args.get("page"), 1, MAX_PAGE),
                       per_page=_bounded(args.get("per_page"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE))


def paginate(session: so.Session, query: sa.Select, page: PageRequest) -> Pagination:
    """One page of the ORM entities `query` selects (what `db.paginate` does, with `session`)."""
    return SelectPagination(select=query, session=session, page=page.page, per_page=page.per_page,
                            max_per_page=MAX_PAGE_SIZE, error_out=False)


class RowPagination(Pagination):
    """A page of plain rows (columns, not entities), each turned into an item by `make`."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        make = self._query_args["make"]
        return [make(row) for row in self._query_args["session"].execute(select)]

    def _query_count(self) -> int:
        counted = sa.select(sa.func.count()).select_from(self._query_args["select"].order_by(None).subquery())
        return self._query_args["session"].scalar(counted)


def paginate_rows(session: so.Session, query: sa.Select, page: PageRequest,
                  make: Callable[[sa.Row], object]) -> Pagination:
    """One page of the rows `query` selects, each made into an item by `make`."""
    return RowPagination(select=query, session=session, make=make, page=page.page,
                         per_page=page.per_page, max_per_page=MAX_PAGE_SIZE, error_out=False)
