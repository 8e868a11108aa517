"""The listings' pages: browse with filters and sorts, and one listing with its bid totals."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.application_pages import statements_context
from marketplace.domain_errors import N_, NotFound
from marketplace.extensions import db
from marketplace.i18n import lazy_labels
from marketplace.investor import bp
from marketplace.models.assessments import GRADES
from marketplace.models.base import as_utc, utcnow
from marketplace.models.listings import LISTING_STATUSES
from marketplace.money import format_rate
from marketplace.pagination import page_request
from marketplace.rules.catalogue import CATEGORIES, REPAYMENT_METHODS
from marketplace.services import listings
from scoring.charts import bar_chart_svg

TERM_CHOICES = (6, 12, 24, 36)
LISTING_STATUS_LABELS = lazy_labels(
    {"open": N_("Open for bids"), "funded": N_("Funded"), "failed": N_("Not funded")}
)
RATE_CHOICES = (600, 800, 1000, 1200, 1500)


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


def _number(name: str, allowed) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and int(value) in allowed else None


def browse_filters() -> listings.ListingFilters:
    """The filters the query string asks for; unknown values read as "any" (a link never breaks)."""
    return listings.ListingFilters(
        status=_choice("status", LISTING_STATUSES) or "open",
        grade=_choice("grade", GRADES),
        category=_choice("category", CATEGORIES),
        max_term=_number("term", TERM_CHOICES),
        method=_choice("method", REPAYMENT_METHODS),
        min_rate_bps=_number("min_rate", RATE_CHOICES),
        sort=_choice("sort", listings.SORTS) or "closing_soon",
    )


def time_left(closes_at) -> str | None:
    """How long a listing still takes bids, in words of the reader's language (None once closed)."""
    left = as_utc(closes_at) - utcnow()
    return format_timedelta(left, threshold=1.1, add_direction=False) if left.total_seconds() > 0 else None


@bp.context_processor
def _labels() -> dict:
    return {"LISTING_STATUS_LABELS": LISTING_STATUS_LABELS}


@bp.get("/listings")
def listings_page():
    """Listings, filtered (grade, category, term, method, rate) and sorted, a page at a time."""
    filters = browse_filters()
    found = listings.browse_listings(
        db.session, current_user._get_current_object(), filters, page_request(request.args)
    )
    kept = {
        "status": filters.status if filters.status != "open" else None,
        "grade": filters.grade,
        "category": filters.category,
        "term": filters.max_term,
        "method": filters.method,
        "min_rate": filters.min_rate_bps,
        "sort": filters.sort if filters.sort != "closing_soon" else None,
    }
    return render_template(
        "investor/listings.html",
        listings=found,
        filters=filters,
        kept={key: value for key, value in kept.items() if value is not None},
        GRADES=GRADES,
        STATUSES=LISTING_STATUSES,
        TERM_CHOICES=TERM_CHOICES,
        RATE_CHOICES=RATE_CHOICES,
        time_left=time_left,
    )


def rate_histogram_svg(detail: listings.ListingDetail) -> str | None:
    """The bids' amounts by minimum rate (whole percents) as an SVG bar chart; None without bids."""
    if not detail.rate_histogram:
        return None
    step = listings.RATE_BUCKET_BPS
    labels = [f"{format_rate(low)}–{format_rate(low + step)}" for low, _amount in detail.rate_histogram]
    values = [amount // 100 for _low, amount in detail.rate_histogram]
    return bar_chart_svg(
        labels, values, _("Bids by minimum rate"), x_title=_("Minimum rate"), y_title=_("Amount bid (¥)")
    )


def detail_page_context(listing_id: int) -> dict:
    """What the listing page shows (the bid form's page re-renders it with errors)."""
    detail = listings.listing_detail(db.session, current_user._get_current_object(), listing_id)
    listing = detail.listing
    found = statements_context(listing.enterprise)
    latest = found["statements"][0] if found["statements"] else None
    return {
        "detail": detail,
        "listing": listing,
        "application": listing.application,
        "enterprise": listing.enterprise,
        "latest_statement": latest,
        "latest_ratios": found["ratios"][latest.year] if latest else None,
        "time_left": time_left(listing.closes_at),
        "histogram_svg": rate_histogram_svg(detail),
    }


@bp.get("/applications/<int:application_id>/listing")
def application_listing(application_id: int):
    """The listing an approved application became (the SME's link from its application page)."""
    listing = listings.listing_for_application(db.session, application_id)
    if listing is None:
        raise NotFound(N_("No such listing."))
    listings.readable_listing(db.session, current_user._get_current_object(), listing.id)
    return redirect(url_for("investor.listing_detail", listing_id=listing.id))
