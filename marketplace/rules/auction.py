"""Uniform-price auction clearing (DESIGN.md, "Lifecycle of a loan", step 5), a pure function.

A listing of target T with fund share s asks private investors for P = T x (1 - s). Bids are taken
in order of (minimum rate, then time: the earlier bid first); whole bids are accepted while they
fit in P, the marginal bid in part (whole ¥50 units), and every bid after it is released. The
clearing rate r* is the highest accepted bid's rate, and every accepted part, and the fund's part,
earns r*. With Q accepted privately, the loan is A = Q / (1 - s) rounded half up to the fen and the
fund lends A - Q (never more than T x s: A <= T because Q <= P). The listing succeeds when
A reaches its minimum fill; otherwise nothing is accepted and every bid is released.

The bids arrive as columns (numpy arrays), so a million bids clear in one sort and one cumulative
sum rather than a Python loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from marketplace.rules import limits

BID_UNIT_FEN = limits.BID_UNIT_FEN
BPS = 10_000
# The sort key packs (rate, arrival) into one int64: the rate (at most 3,600 bp, 12 bits) above
# 40 bits of arrival order, enough for a trillion bids.
_ARRIVAL_BITS = 40


@dataclass(frozen=True)
class ListingTerms:
    """What the auction clears against: the target, the fund's share and the minimum fill."""

    target_fen: int
    fund_share_bps: int
    max_rate_bps: int
    min_fill_fen: int

    def __post_init__(self) -> None:
        if self.target_fen <= 0 or self.target_fen % limits.AMOUNT_STEP_FEN:
            raise ValueError("the target must be a positive whole number of ¥1,000")
        if not limits.MIN_FUND_SHARE_BPS <= self.fund_share_bps <= limits.MAX_FUND_SHARE_BPS:
            raise ValueError("the fund share is out of range")
        if not 0 < self.min_fill_fen <= self.target_fen:
            raise ValueError("the minimum fill must be positive and at most the target")

    @property
    def private_target_fen(self) -> int:
        """P = T x (1 - s); exact, as T is whole ¥1,000 and s whole basis points."""
        return self.target_fen * (BPS - self.fund_share_bps) // BPS


@dataclass(frozen=True)
class BidBook:
    """The bids on one listing as columns, in any order.

    `arrival` orders bids placed at the same rate (smaller = earlier); the bids' ids serve, as
    ids grow in the order bids are written.
    """

    ids: np.ndarray
    amounts_fen: np.ndarray
    rates_bps: np.ndarray
    arrival: np.ndarray

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int, int]]) -> BidBook:
        """A book from (id, amount_fen, min_rate_bps) rows, arrival taken from the id."""
        table = np.array(list(rows), dtype=np.int64).reshape(-1, 3)
        return cls(table[:, 0], table[:, 1], table[:, 2], table[:, 0])

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Clearing:
    """The result: per bid (in the book's order) what was accepted, and the loan it makes."""

    succeeded: bool
    rate_bps: int | None
    loan_fen: int
    private_fen: int
    fund_fen: int
    accepted_fen: np.ndarray

    def released_fen(self, book: BidBook) -> np.ndarray:
        """What goes back to each bidder: the bid less its accepted part."""
        return book.amounts_fen - self.accepted_fen


def loan_amount_fen(private_fen: int, fund_share_bps: int) -> int:
    """A = Q / (1 - s), rounded half up to the fen (integer arithmetic, no float)."""
    denominator = BPS - fund_share_bps
    return (2 * private_fen * BPS + denominator) // (2 * denominator)


def check_book(terms: ListingTerms, book: BidBook) -> None:
    """Refuse a book no bid validation would have let in (the clearing trusts its input otherwise)."""
    lengths = {len(book.ids), len(book.amounts_fen), len(book.rates_bps), len(book.arrival)}
    if len(lengths) != 1:
        raise ValueError("the bid columns differ in length")
    if len(book) == 0:
        return
    if (book.amounts_fen <= 0).any() or (book.amounts_fen % BID_UNIT_FEN).any():
        raise ValueError("every bid must be a positive whole number of ¥50")
    if (book.rates_bps < limits.MIN_RATE_BPS).any() or (book.rates_bps > terms.max_rate_bps).any():
        raise ValueError("every bid's rate must lie between the minimum and the listing's maximum")
    if (book.arrival < 0).any() or (book.arrival >= 1 << _ARRIVAL_BITS).any():
        raise ValueError("arrival order out of range")


def clear_auction(terms: ListingTerms, book: BidBook) -> Clearing:
    """Clear one listing's bids (DESIGN.md step 5): uniform rate r*, ¥50 units at the margin,
    the fund pari passu, success only from the minimum fill."""
    check_book(terms, book)
    accepted = np.zeros(len(book), dtype=np.int64)
    failed = Clearing(False, None, 0, 0, 0, accepted)
    if len(book) == 0:
        return failed
    keys = (book.rates_bps.astype(np.int64) << _ARRIVAL_BITS) | book.arrival.astype(np.int64)
    order = np.argsort(keys, kind="stable")
    running = np.cumsum(book.amounts_fen[order], dtype=np.int64)
    private_target = terms.private_target_fen
    whole = int(np.searchsorted(running, private_target, side="right"))  # bids that fit entirely
    accepted[order[:whole]] = book.amounts_fen[order[:whole]]
    last = whole - 1
    if whole < len(book):
        room = private_target - (int(running[whole - 1]) if whole else 0)
        part = room // BID_UNIT_FEN * BID_UNIT_FEN
        if part:
            accepted[order[whole]] = part
            last = whole
    if last < 0:
        return failed
    private = int(accepted.sum())
    loan = loan_amount_fen(private, terms.fund_share_bps)
    if loan < terms.min_fill_fen:
        return Clearing(False, None, 0, 0, 0, np.zeros(len(book), dtype=np.int64))
    rate = int(book.rates_bps[order[last]])
    return Clearing(True, rate, loan, private, loan - private, accepted)
