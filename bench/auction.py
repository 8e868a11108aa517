"""Auction clearing: the pure function against the floor of sorting the same keys.

For 1,000 / 10,000 / 100,000 / 1,000,000 random bids on one listing, times
`marketplace.rules.auction.clear_auction` and, as the baseline measured in the same run, a bare
`numpy.argsort` of the same (rate, arrival) keys — the one step no clearing can skip. Prints the
best of --repeat runs of each and the ratio (target at 1,000,000 bids: at most 3x the sort).

    python -m bench auction [--repeat N] [--seed S]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from marketplace.rules.auction import BidBook, ListingTerms, clear_auction

SIZES = (1_000, 10_000, 100_000, 1_000_000)
TARGET_RATIO = 3.0  # at 1,000,000 bids


def random_book(size: int, rng: np.random.Generator) -> tuple[ListingTerms, BidBook]:
    """A listing whose private target about half the bids fill: the margin falls mid-book."""
    amounts = rng.integers(1, 200, size=size, dtype=np.int64) * 5_000  # ¥50 to ¥9,950
    rates = rng.integers(600, 2_400, size=size, dtype=np.int64)
    ids = rng.permutation(size).astype(np.int64) + 1
    target = min(int(amounts.sum()) // 2 // 100_000 * 100_000, 100_000_000_000) or 100_000
    return ListingTerms(target, 2_000, 2_400, target * 8 // 10), BidBook(ids, amounts, rates, ids)


def best_of(repeat: int, work) -> float:
    """The fastest of `repeat` runs, in seconds (the least disturbed by the rest of the machine)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str]) -> int:
    """Print clearing time against the argsort floor for each book size."""
    parser = argparse.ArgumentParser(prog="python -m bench auction")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement (best kept)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    print(f"{'bids':>10}  {'argsort (floor)':>16}  {'clear_auction':>14}  {'ratio':>6}")
    ratio = 0.0
    for size in SIZES:
        terms, book = random_book(size, rng)
        keys = (book.rates_bps << 40) | book.arrival
        floor = best_of(args.repeat, lambda keys=keys: np.argsort(keys, kind="stable"))
        clearing = best_of(args.repeat, lambda terms=terms, book=book: clear_auction(terms, book))
        ratio = clearing / floor
        print(f"{size:>10,}  {floor * 1000:>13.2f} ms  {clearing * 1000:>11.2f} ms  {ratio:>5.2f}x")
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(f"target at {SIZES[-1]:,} bids: <= {TARGET_RATIO:g}x the sort: {verdict}")
    return 0
