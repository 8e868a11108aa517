"""The API's paginated lists: `page` and `per_page` query parameters, checked against the bounds
of marketplace.pagination (a value out of bounds is a 422 naming the field, not a silent cap), and
the page's place in the list next to its `items`."""

from __future__ import annotations

import re
from functools import cache

import marshmallow as ma

from marketplace.api.schemas import StrictSchema
from marketplace.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE, Page, PageRequest


class QueryInt(ma.fields.Int):
    """An integer written in ASCII digits (marshmallow's Int also reads '١٢' and '1_000')."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not _ASCII_INT.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


_ASCII_INT = re.compile(r"[+-]?[0-9]{1,20}")


class PageQuerySchema(StrictSchema):
    """`page` (from 1) and `per_page` (1 to MAX_PAGE_SIZE) of a list endpoint's query string."""

    page = QueryInt(
        load_default=1,
        validate=ma.validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": "page number, from 1"},
    )
    per_page = QueryInt(
        load_default=DEFAULT_PAGE_SIZE,
        validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"items per page, at most {MAX_PAGE_SIZE}"},
    )


class PageSchema(ma.Schema):
    """What a paginated list answers besides its `items`."""

    page = ma.fields.Int()
    per_page = ma.fields.Int()
    total = ma.fields.Int(metadata={"description": "items in the whole list"})
    next_page = ma.fields.Int(allow_none=True, metadata={"description": "null on the last page"})


@cache
def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """`{items: [item], page, per_page, total, next_page}` (one class per item schema, so that the
    OpenAPI document names it once)."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return PageSchema.from_dict({"items": ma.fields.List(ma.fields.Nested(item_schema))}, name=name)


def requested_page(query: dict) -> PageRequest:
    """The page the checked query string asks for."""
    return PageRequest(page=query["page"], per_page=query["per_page"])


def page_body(pagination: Page, items: list | None = None) -> dict:
    """The response body of one page: its items (or `items` made from them) and its place."""
    return {
        "items": pagination.items if items is None else items,
        "page": pagination.page,
        "per_page": pagination.per_page,
        "total": pagination.total,
        "next_page": pagination.next_num,
    }
