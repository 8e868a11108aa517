"""Every business limit in one place: CHECK constraints, services, forms and messages read them here.

Amounts are integer fen, rates integer basis points (1 bp = 0.01 % a year).
"""

from __future__ import annotations

from datetime import date

FEN_PER_YUAN = 100

# Loan applications (the product's lending range): ¥10,000 to ¥1,000,000 in steps of ¥1,000.
MIN_AMOUNT_FEN = 10_000 * FEN_PER_YUAN
MAX_AMOUNT_FEN = 1_000_000 * FEN_PER_YUAN
AMOUNT_STEP_FEN = 1_000 * FEN_PER_YUAN
MIN_TERM_MONTHS, MAX_TERM_MONTHS = 3, 36
MIN_PURPOSE_CHARS, MAX_PURPOSE_CHARS = 20, 2000

# Interim measures for the administration of online lending intermediaries (银监会令 2016 年第 1 号),
# art. 17: one enterprise may owe at most ¥1,000,000 on one platform, one individual ¥200,000.
ENTERPRISE_CAP_FEN = 1_000_000 * FEN_PER_YUAN
INDIVIDUAL_CAP_FEN = 200_000 * FEN_PER_YUAN

# Rates: the Supreme People's Court provisions on private lending (法释〔2015〕18号, art. 26) leave
# interest above 36 % a year unprotected, so no listing may offer more.
MIN_RATE_BPS, MAX_RATE_BPS = 1, 3600
# A listing stays open 3 to 30 days; the fund co-invests at most 30 % of a loan.
MIN_LISTING_DAYS, MAX_LISTING_DAYS = 3, 30
MIN_FUND_SHARE_BPS, MAX_FUND_SHARE_BPS = 0, 3000
# Fund money from which an approval needs a second fund manager (four eyes), unless configured.
DEFAULT_FOUR_EYES_THRESHOLD_FEN = 300_000 * FEN_PER_YUAN
MAX_DECISION_NOTE_CHARS = 2000

# Bids (DESIGN.md step 4): whole multiples of ¥50, at least ¥50. A listing succeeds from 80 % of
# its target (its minimum fill) unless the decision sets another.
BID_UNIT_FEN = 50 * FEN_PER_YUAN
DEFAULT_MIN_FILL_BPS = 8_000

# Accounts: RFC 5321 caps an address at 254 characters.
MAX_NAME_CHARS = 100
MAX_EMAIL_CHARS = 254

# Enterprises.
MAX_EMPLOYEES = 10_000_000

# Payments: the largest single deposit or withdrawal, unless configured (MAX_TRANSACTION_YUAN).
DEFAULT_MAX_TRANSACTION_FEN = 1_000_000 * FEN_PER_YUAN

# Input bounds: what any request may carry, whatever the field (the review "no input gives a 500").
# JSON bodies: this API's deepest body is an object of scalars (2 levels); 32 leaves room for any
# future nesting while staying far below the recursion limit of Python's JSON parser (~1,000).
MAX_JSON_DEPTH = 32
# Dates typed into filters (statements): the platform holds nothing before 2000, a far-future
# "from" must still answer an empty list, and day arithmetic near date.min / date.max
# (0001-01-01, 9999-12-31) overflows once the day is widened and moved to UTC.
MIN_QUERY_DATE, MAX_QUERY_DATE = date(2000, 1, 1), date(2999, 12, 31)
