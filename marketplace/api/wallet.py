"""The wallet of SMEs and investors: balance, deposits, withdrawals, statement, payments."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint

from marketplace.api.idempotency import client_key, idempotent
from marketplace.api.pagination import PageQuerySchema, PageSchema, page_body, page_schema, requested_page
from marketplace.api.schemas import StrictSchema, yuan_doc
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.domain_errors import N_, NotAllowed, NotFound
from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.i18n import stored_message
from marketplace.models import Payment
from marketplace.money import format_yuan
from marketplace.rules.accounts import WALLET_ROLES
from marketplace.rules.provider_messages import stored_code
from marketplace.services import ledger, payment_flows, payments, wallet_statements

URL_PREFIX = "/wallet"
blp = Blueprint("api_wallet", __name__, description="Wallet: balance, deposits, withdrawals, statement")
guard_api_blueprint(blp, *WALLET_ROLES)


class WithdrawalRequestSchema(StrictSchema):
    amount = ma.fields.Raw(required=True, metadata=yuan_doc())


class DepositRequestSchema(WithdrawalRequestSchema):
    payment_method = ma.fields.Str(
        validate=ma.validate.Regexp(r"^pm_[A-Za-z0-9_]{1,100}$"),
        metadata={"description": "Stripe only: a PaymentMethod id to confirm the deposit with at once"},
    )


class PaymentCreatedSchema(ma.Schema):
    payment_id = ma.fields.Int()
    status = ma.fields.Str()
    amount = ma.fields.Str()
    client_secret = ma.fields.Str(metadata={"description": "Stripe only: to confirm in the browser"})


class WalletSchema(ma.Schema):
    available = ma.fields.Str()
    held = ma.fields.Str()
    currency = ma.fields.Str()


# The service reads the days (422 outside MIN_QUERY_DATE..MAX_QUERY_DATE, marketplace.rules.limits).
DAY_DOC = {"format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


class WalletStatementQuerySchema(PageQuerySchema):
    from_ = ma.fields.Str(data_key="from", metadata=DAY_DOC | {"description": "first day, YYYY-MM-DD"})
    to = ma.fields.Str(metadata=DAY_DOC | {"description": "last day, YYYY-MM-DD"})


class WalletStatementItemSchema(ma.Schema):
    id = ma.fields.Int()
    created_at = ma.fields.AwareDateTime()
    kind = ma.fields.Str()
    amount = ma.fields.Str()
    balance_after = ma.fields.Str()


class WalletStatementSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(WalletStatementItemSchema))
    has_more = ma.fields.Bool(metadata={"description": "whether a next page exists (as next_page)"})


class PaymentSchema(ma.Schema):
    id = ma.fields.Int()
    kind = ma.fields.Str()
    amount = ma.fields.Function(lambda payment: format_yuan(payment.amount))
    status = ma.fields.Str()
    provider = ma.fields.Str()
    provider_id = ma.fields.Str(allow_none=True)
    # The payment stores the provider's failure code; the message is our sentence for it.
    failure_message = ma.fields.Function(
        lambda payment: stored_message(payment.failure_message) or None,
        metadata={"description": "why the payment failed, in the account's language"},
    )
    failure_code = ma.fields.Function(
        lambda payment: stored_code(payment.failure_message),
        metadata={"description": "the payment provider's failure code, e.g. card_declined"},
    )
    created_at = ma.fields.AwareDateTime()


PaymentListSchema = page_schema(PaymentSchema)


def _created(outcome: payment_flows.Outcome) -> tuple[dict, int]:
    body = {
        "payment_id": outcome.payment.id,
        "status": outcome.payment.status,
        "amount": format_yuan(outcome.payment.amount),
    }
    if outcome.client_secret:
        body["client_secret"] = outcome.client_secret
    return body, 201


@blp.post("/deposits")
@blp.arguments(DepositRequestSchema)
@blp.response(201, PaymentCreatedSchema)
def create_deposit(data):
    """Deposit money; with the sandbox it settles at once (status `succeeded`)."""
    user, limit = api_user(), current_app.config["MAX_TRANSACTION_FEN"]
    amount = payments.parse_amount(data["amount"], limit=limit)
    return idempotent(
        user,
        data,
        lambda: _created(
            payment_flows.deposit(
                db.session,
                gateway(),
                user,
                amount,
                limit=limit,
                idempotency_key=client_key(),
                payment_method=data.get("payment_method"),
            )
        ),
    )


@blp.post("/withdrawals")
@blp.arguments(WithdrawalRequestSchema)
@blp.response(201, PaymentCreatedSchema)
def create_withdrawal(data):
    """Withdraw available money: it is held until the payout settles, returned if it fails."""
    user, limit = api_user(), current_app.config["MAX_TRANSACTION_FEN"]
    amount = payments.parse_amount(data["amount"], limit=limit)
    return idempotent(
        user,
        data,
        lambda: _created(
            payment_flows.withdraw(
                db.session, gateway(), user, amount, limit=limit, idempotency_key=client_key()
            )
        ),
    )


@blp.get("")
@blp.response(200, WalletSchema)
def wallet():
    """Available and held balance in yuan."""
    found = ledger.balances(db.session, api_user())
    return {"available": format_yuan(found["wallet"]), "held": format_yuan(found["held"]), "currency": "CNY"}


@blp.get("/transactions")
@blp.arguments(WalletStatementQuerySchema, location="query")
@blp.response(200, WalletStatementSchema)
def transactions(query):
    """Movements of the available balance, newest first, with the balance after each."""
    since, until = wallet_statements.day_bounds(
        wallet_statements.parse_day(query.get("from_"), "from"),
        wallet_statements.parse_day(query.get("to"), "to"),
        current_app.config["BABEL_DEFAULT_TIMEZONE"],
    )
    lines = wallet_statements.statement_page(
        db.session, api_user(), requested_page(query), since=since, until=until
    )
    items = [
        {
            "id": line.transaction_id,
            "created_at": line.created_at,
            "kind": line.kind,
            "amount": format_yuan(line.amount),
            "balance_after": format_yuan(line.balance_after),
        }
        for line in lines
    ]
    return {**page_body(lines, items), "has_more": lines.has_next}


@blp.get("/payments")
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, PaymentListSchema)
def payment_list(query):
    """Your deposits and withdrawals with their status, newest first, a page at a time."""
    return page_body(payments.user_payments(db.session, api_user(), requested_page(query)))


@blp.get("/payments/<int:payment_id>")
@blp.response(200, PaymentSchema)
def payment_detail(payment_id: int):
    """One of your payments (404 unknown, 403 someone else's)."""
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        raise NotFound(N_("No such payment."))
    if payment.user_id != api_user().id:
        raise NotAllowed(N_("This payment is not yours."))
    return payment
