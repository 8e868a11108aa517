"""Pagination for every list, page or API: one page size, one bound, one way to cut a page.

A `Page` holds the page's items and the total (the attributes of Flask-SQLAlchemy's
`Pagination`: page, per_page, total, pages, has_prev, has_next, prev_num, next_num), made with the
caller's session so that services can return one without Flask: the page's rows and the total,
in two statements whatever the row count. The query's eager-loading options apply to the page's
rows only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

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


# A page number as a link writes it: ASCII digits, optionally signed, few enough to be read
# cheaply (int() would also take '١٢' or '1_0', and refuses more than 4,300 digits).
_NUMBER = re.compile(r"[+-]?[0-9]{1,20}")


def _bounded(raw: str | None, default: int, high: int) -> int:
    if raw in (None, "") or not _NUMBER.fullmatch(raw):
        return default
    return min(max(int(raw), 1), high)


def page_request(args: Mapping[str, str]) -> PageRequest:
    """`page` and `per_page` from a page's query string: missing or nonsense values give page 1
    and DEFAULT_PAGE_SIZE, out-of-range ones the nearest bound (a link never breaks a page; the
    API refuses such values with 422 instead)."""
    return PageRequest(
        page=_bounded(args.get("page"), 1, MAX_PAGE),
        per_page=_bounded(args.get("per_page"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    )


@dataclass(frozen=True)
class Page:
    """One page of a list and where it stands in the whole."""

    items: Sequence
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the list has (0 when it is empty)."""
        return -(-self.total // self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def __iter__(self) -> Iterator:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _total(session: so.Session, query: sa.Select) -> int:
    counted = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    return session.scalar(counted)


def paginate(session: so.Session, query: sa.Select, page: PageRequest) -> Page:
    """One page of the ORM entities `query` selects (what `db.paginate` does, with `session`)."""
    offset = (page.page - 1) * page.per_page
    items = session.scalars(query.limit(page.per_page).offset(offset)).unique().all()
    return Page(items=items, page=page.page, per_page=page.per_page, total=_total(session, query))


def paginate_rows(
    session: so.Session, query: sa.Select, page: PageRequest, make: Callable[[sa.Row], object]
) -> Page:
    """One page of the rows `query` selects (columns, not entities), each made into an item by `make`."""
    offset = (page.page - 1) * page.per_page
    items = [make(row) for row in session.execute(query.limit(page.per_page).offset(offset))]
    return Page(items=items, page=page.page, per_page=page.per_page, total=_total(session, query))
