"""An administrator's work on accounts: find, disable and re-enable, unlock sign-in, send a
password-reset link, change the role. Every action is audited; only administrators may act.

The platform must keep an administrator who can sign in: nobody disables or demotes the last
active one, and nobody disables or demotes themself (another administrator has to).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, InvalidState, NotAllowed, NotFound, ValidationFailed
from marketplace.models import Enterprise, LedgerAccount, LoanApplication, Payment, User
from marketplace.pagination import Page, PageRequest, paginate
from marketplace.rules.accounts import ROLES
from marketplace.services import audit, users

# A payment in these states may still credit or debit a wallet.
_PAYMENTS_IN_FLIGHT = ("created", "processing")


def _require_admin(actor: User) -> None:
    if actor is None or actor.role != "admin" or not actor.is_active_account:
        raise NotAllowed(N_("Only administrators can manage accounts."))


def _target(session: so.Session, actor: User, user_id: int) -> User:
    _require_admin(actor)
    # Locked (PostgreSQL) so that two administrators acting on one account take turns.
    user = session.scalar(
        sa.select(User).where(User.id == user_id).with_for_update().execution_options(populate_existing=True)
    )
    if user is None:
        raise NotFound(N_("No such account."))
    return user


def _keep_an_admin(session: so.Session, user: User) -> None:
    """Refuse when `user` is the last active administrator (it is about to stop being one)."""
    if user.role != "admin" or not user.is_active_account:
        return
    # Every active admin row is locked before counting: two administrators disabling each other
    # at once would otherwise both see the other still active and leave none.
    active = session.scalars(
        sa.select(User.id).where(User.role == "admin", User.is_active_account.is_(True)).with_for_update()
    ).all()
    if set(active) <= {user.id}:
        raise InvalidState(
            N_("%(email)s is the last active administrator; make another administrator first."),
            email=user.email,
        )


def search_accounts(
    session: so.Session, actor: User, *, text: str = "", role: str = "", page: PageRequest
) -> Page:
    """Accounts whose name or e-mail contains `text` (any case), of `role` if given; oldest first."""
    _require_admin(actor)
    query = sa.select(User).order_by(User.id)
    text = text.strip()
    if text:
        # autoescape: a typed % or _ is matched as itself, not as a LIKE wildcard.
        query = query.where(
            sa.or_(User.name.icontains(text, autoescape=True), User.email.icontains(text, autoescape=True))
        )
    if role:
        query = query.where(User.role == role)
    return paginate(session, query, page)


def disable_account(session: so.Session, actor: User, user_id: int) -> User:
    """Disable an account: it cannot sign in, and its sessions and API tokens end (audited)."""
    user = _target(session, actor, user_id)
    if user.id == actor.id:
        raise InvalidState(N_("You cannot disable your own account."))
    if not user.is_active_account:
        raise InvalidState(N_("%(email)s is already disabled."), email=user.email)
    _keep_an_admin(session, user)
    user.is_active_account = False
    users.end_sessions(session, user, tokens_too=True)
    audit.record(session, actor=actor, action="user.disabled", object_type="user", object_id=user.id)
    return user


def enable_account(session: so.Session, actor: User, user_id: int) -> User:
    """Let a disabled account sign in again (audited); its old sessions stay ended."""
    user = _target(session, actor, user_id)
    if user.is_active_account:
        raise InvalidState(N_("%(email)s is already active."), email=user.email)
    user.is_active_account = True
    audit.record(session, actor=actor, action="user.enabled", object_type="user", object_id=user.id)
    return user


def unlock_sign_in(session: so.Session, actor: User, user_id: int) -> User:
    """Record an administrator's unlock of an account's sign-in (audited); the caller clears the
    failed-sign-in counters once this has committed (they live outside the database)."""
    user = _target(session, actor, user_id)
    audit.record(session, actor=actor, action="user.unlocked", object_type="user", object_id=user.id)
    return user


def send_reset_link(
    session: so.Session, actor: User, user_id: int, deliver: Callable[[User], object]
) -> User:
    """E-mail the account a password-reset link through `deliver` (audited); a disabled account
    gets none. A failed delivery raises, and nothing is recorded."""
    user = _target(session, actor, user_id)
    if not user.is_active_account:
        raise InvalidState(
            N_("%(email)s is disabled; enable it before sending a reset link."), email=user.email
        )
    audit.record(
        session, actor=actor, action="user.password_reset_sent", object_type="user", object_id=user.id
    )
    deliver(user)
    return user


def role_bound_data(session: so.Session, user: User) -> str | None:
    """Why the account's role cannot change (a message id), or None when nothing ties it to it.

    An account keeps what belongs to its role: an enterprise profile and loan applications are
    the SME's, and money in a wallet (or a payment still settling into one) belongs to an SME or
    investor. Under another role that data would be unreachable by its owner, or reachable by a
    role that must not hold it (a fund manager deciding on its own enterprise's application), so
    such an account keeps its role; a new account is made instead. Records that only name the
    person (decisions taken, audit events) are history, not holdings, and do not count.
    """
    if session.scalar(sa.select(sa.exists().where(Enterprise.owner_id == user.id))):
        return N_("%(email)s owns an enterprise profile, so its role cannot change.")
    if session.scalar(sa.select(sa.exists().where(LoanApplication.applicant_id == user.id))):
        return N_("%(email)s has loan applications, so its role cannot change.")
    money = sa.exists().where(
        LedgerAccount.owner_type == "user", LedgerAccount.owner_id == user.id, LedgerAccount.balance != 0
    )
    if session.scalar(sa.select(money)):
        return N_("%(email)s holds money in its wallet, so its role cannot change until the balance is zero.")
    in_flight = sa.exists().where(Payment.user_id == user.id, Payment.status.in_(_PAYMENTS_IN_FLIGHT))
    if session.scalar(sa.select(in_flight)):
        return N_("%(email)s has a payment still settling, so its role cannot change yet.")
    return None


def change_role(session: so.Session, actor: User, user_id: int, role: object) -> User:
    """Give an account another role (audited); its sessions and API tokens end, so that nothing
    signed in keeps the old role's access."""
    if role not in ROLES:
        message = N_("Unknown role.")
        raise ValidationFailed(message, fields={"role": [message]})
    user = _target(session, actor, user_id)
    if user.id == actor.id:
        raise InvalidState(N_("You cannot change your own role."))
    if user.role == role:
        raise InvalidState(N_("%(email)s already has this role."), email=user.email)
    _keep_an_admin(session, user)
    reason = role_bound_data(session, user)
    if reason is not None:
        raise InvalidState(reason, email=user.email)
    previous, user.role = user.role, role
    users.end_sessions(session, user, tokens_too=True)
    audit.record(
        session,
        actor=actor,
        action="user.role_changed",
        object_type="user",
        object_id=user.id,
        payload={"from": previous, "to": role},
    )
    return user
