"""An administrator's account management on /admin/users: find, disable and re-enable, unlock,
send a reset link, change a role; each refused where it must be, audited where it runs."""

import re

import pytest
import sqlalchemy as sa
from flask_mailman.backends.base import BaseEmailBackend

from marketplace.app import create_app
from marketplace.domain_errors import InvalidState, NotAllowed
from marketplace.extensions import db
from marketplace.mail import init_mail
from marketplace.models import AuditEvent, User
from marketplace.services import account_admin
from tests.app_helpers import ApiUser, draft, ready_sme
from tests.conftest import base_config
from tests.helpers import TEST_PASSWORD, api_token, bearer, login, make_user
from tests.test_list_queries import counts


@pytest.fixture
def app(app):
    """The test app with e-mail kept in an in-memory outbox."""
    app.config["MAIL_BACKEND"] = "locmem"
    init_mail(app)
    return app


def outbox(app) -> list:
    return getattr(app.extensions["mailman"], "outbox", [])


def audit_rows(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def signed_in(app, email: str):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def rows_on(page: str) -> list[str]:
    """The e-mail addresses of the accounts table's rows, in order."""
    return re.findall(r'<tr id="account-\d+"><td>\d+</td><td>.*?</td><td>([^<]+)</td>', page)


@pytest.fixture
def zh_admin(app, users):
    """A second administrator who reads Chinese, signed in."""
    make_user("admin", "zh-admin@example.com", name="李管理", locale="zh_CN")
    return signed_in(app, "zh-admin@example.com")


# --- the list ------------------------------------------------------------------------------------


def test_accounts_are_found_by_name_or_email_and_filtered_by_role(admin_client, users):
    make_user("investor", "wang.fang@corp.cn", name="王芳")
    make_user("sme", "chen@wangfu.cn", name="陈立")
    make_user("investor", "odd%_name@example.com", name="Percent")
    page = admin_client.get("/admin/users", query_string={"q": "WANG"}).get_data(as_text=True)
    assert rows_on(page) == ["wang.fang@corp.cn", "chen@wangfu.cn"]
    assert rows_on(admin_client.get("/admin/users?q=王芳").get_data(as_text=True)) == ["wang.fang@corp.cn"]
    by_role = admin_client.get("/admin/users", query_string={"q": "wang", "role": "sme"}).get_data(
        as_text=True
    )
    assert rows_on(by_role) == ["chen@wangfu.cn"]
    assert rows_on(admin_client.get("/admin/users?role=regulator").get_data(as_text=True)) == [
        "regulator@example.com"
    ]
    # % and _ are matched as themselves, not as wildcards.
    assert rows_on(admin_client.get("/admin/users", query_string={"q": "%_"}).get_data(as_text=True)) == [
        "odd%_name@example.com"
    ]
    assert "No account matches." in admin_client.get("/admin/users?q=nobody-at-all").get_data(as_text=True)


def test_the_filter_is_kept_across_pages(admin_client, users):
    for number in range(3):
        make_user("investor", f"page{number}@example.com")
    first = admin_client.get("/admin/users?q=page&per_page=2").get_data(as_text=True)
    assert rows_on(first) == ["page0@example.com", "page1@example.com"]
    assert "/admin/users?page=2&amp;per_page=2&amp;q=page" in first
    second = admin_client.get("/admin/users?q=page&per_page=2&page=2").get_data(as_text=True)
    assert rows_on(second) == ["page2@example.com"]


@pytest.mark.parametrize(
    "query",
    [{"role": "emperor"}, {"q": "x\x00"}, {"q": "a" * 300}, {"q": "\u202eabc"}, {"role": "admin\x00"}],
)
def test_a_bad_filter_is_refused_with_its_reason(admin_client, users, query):
    response = admin_client.get("/admin/users", query_string=query)
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)


def test_the_list_needs_as_many_statements_for_12_matches_as_for_3(admin_client, users):
    lists = {"search": (admin_client, "/admin/users?q=person&role=investor", None)}
    for number in range(3):
        make_user("investor", f"person{number}@example.com")
    few = counts(lists)
    for number in range(3, 12):
        make_user("investor", f"person{number}@example.com")
    assert counts(lists) == few


def test_the_table_shows_each_accounts_status_in_chinese(app, zh_admin, users):
    users["investor"].is_active_account = False
    db.session.commit()
    page = zh_admin.get("/admin/users").get_data(as_text=True)
    assert "已停用" in page and "正常" in page
    assert "停用…" in page and "启用" in page and "变更角色…" in page and "发送重置链接" in page
    assert "名称或邮箱包含" in page and "全部角色" in page


# --- disable and re-enable -----------------------------------------------------------------------


def test_disabling_asks_first_then_ends_sessions_and_tokens(app, zh_admin, users):
    investor = signed_in(app, "investor@example.com")
    token = api_token(app.test_client(), "investor@example.com")
    target = users["investor"].id

    confirm = zh_admin.get(f"/admin/users/{target}/disable?q=inv")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "停用账户 investor@example.com？" in text
    assert f'action="/admin/users/{target}/disable?q=inv"' in text

    unconfirmed = zh_admin.post(f"/admin/users/{target}/disable")
    assert unconfirmed.status_code == 302
    assert unconfirmed.headers["Location"] == f"/admin/users/{target}/disable"
    assert fresh(users["investor"]).is_active_account and audit_rows("user.disabled") == []

    done = zh_admin.post(f"/admin/users/{target}/disable?q=inv", data={"confirmed": "yes"})
    assert done.headers["Location"] == "/admin/users?q=inv"
    assert "investor@example.com 已停用，并已在所有设备上退出。" in zh_admin.get("/admin/users").get_data(
        as_text=True
    )
    assert not fresh(users["investor"]).is_active_account
    assert investor.get("/wallet/").status_code == 302  # the old session cookie no longer works
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert login(app.test_client(), "investor@example.com").status_code == 200  # refused
    (row,) = audit_rows("user.disabled")
    assert row.object_id == str(target) and row.actor == "zh-admin@example.com"

    assert zh_admin.post(f"/admin/users/{target}/enable").status_code == 302
    assert fresh(users["investor"]).is_active_account
    assert audit_rows("user.enabled")[0].object_id == str(target)
    assert investor.get("/wallet/").status_code == 302  # the ended session stays ended
    assert login(app.test_client(), "investor@example.com").status_code == 302


def test_a_disabled_account_cannot_be_disabled_again_nor_an_active_one_enabled(admin_client, users):
    target = users["investor"].id
    admin_client.post(f"/admin/users/{target}/disable", data={"confirmed": "yes"})
    again = admin_client.post(
        f"/admin/users/{target}/disable", data={"confirmed": "yes"}, follow_redirects=True
    )
    assert "investor@example.com is already disabled." in again.get_data(as_text=True)
    page = admin_client.post(f"/admin/users/{users['sme'].id}/enable", follow_redirects=True)
    assert "sme@example.com is already active." in page.get_data(as_text=True)
    assert len(audit_rows("user.disabled")) == 1 and audit_rows("user.enabled") == []


def test_an_admin_cannot_disable_themself(app, zh_admin, users):
    me = db.session.scalar(sa.select(User).where(User.email == "zh-admin@example.com"))
    assert "您不能停用自己的账户。" in zh_admin.get(f"/admin/users/{me.id}/disable").get_data(as_text=True)
    response = zh_admin.post(
        f"/admin/users/{me.id}/disable", data={"confirmed": "yes"}, follow_redirects=True
    )
    assert "您不能停用自己的账户。" in response.get_data(as_text=True)
    assert fresh(me).is_active_account and audit_rows("user.disabled") == []
    assert zh_admin.get("/admin/users").status_code == 200


def test_the_last_active_admin_is_never_disabled_or_demoted(app, users):
    """Two administrators disabling each other at once: the second finds itself the last one
    standing's only colleague gone (the row it reads is fresh; its own object is stale)."""
    make_user("admin", "second-admin@example.com")
    first = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
    second = db.session.scalar(sa.select(User).where(User.email == "second-admin@example.com"))
    # The other administrator's disabling of `second` commits while `second` is still acting.
    db.session.execute(
        sa.update(User).where(User.id == second.id).values(is_active_account=False),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    second_stale = User(id=second.id, role="admin", email=second.email, is_active_account=True)
    with pytest.raises(InvalidState, match="last active administrator"):
        account_admin.disable_account(db.session, second_stale, first.id)
    db.session.rollback()
    with pytest.raises(InvalidState, match="last active administrator"):
        account_admin.change_role(db.session, second_stale, first.id, "regulator")
    db.session.rollback()
    assert fresh(first).is_active_account and fresh(first).role == "admin"


def test_another_admin_can_be_disabled_while_one_stays(admin_client, users):
    other = make_user("admin", "second-admin@example.com")
    admin_client.post(f"/admin/users/{other.id}/disable", data={"confirmed": "yes"})
    assert not fresh(other).is_active_account
    assert admin_client.get("/admin/users").status_code == 200


# --- unlock ------------------------------------------------------------------------------------


def test_unlock_clears_the_accounts_failed_sign_ins(app, admin_client, users):
    for _ in range(10):
        login(app.test_client(), "sme@example.com", "Wrong-Password-123")
    assert login(app.test_client(), "sme@example.com").status_code == 429
    elsewhere = app.test_client()
    attempt = {"email": "sme@example.com", "password": TEST_PASSWORD}
    other_address = {"REMOTE_ADDR": "10.1.1.1"}
    assert elsewhere.post("/login", data=attempt, environ_base=other_address).status_code == 429
    response = admin_client.post(f"/admin/users/{users['sme'].id}/unlock", follow_redirects=True)
    assert "sme@example.com can try to sign in again now." in response.get_data(as_text=True)
    assert audit_rows("user.unlocked")[0].object_id == str(users["sme"].id)
    # The account's counter is cleared; the first address keeps its own (it guessed 10 times).
    assert elsewhere.post("/login", data=attempt, environ_base=other_address).status_code == 302
    assert login(app.test_client(), "sme@example.com").status_code == 429


# --- reset link ----------------------------------------------------------------------------------


def test_an_admin_sends_a_reset_link_in_the_accounts_language(app, admin_client, users):
    make_user("sme", "owner@xinghe.cn", name="王芳", locale="zh_CN")
    owner = db.session.scalar(sa.select(User).where(User.email == "owner@xinghe.cn"))
    response = admin_client.post(f"/admin/users/{owner.id}/reset-link", follow_redirects=True)
    assert "A link to set a new password was sent to owner@xinghe.cn." in response.get_data(as_text=True)
    (message,) = outbox(app)
    assert message.to == ["owner@xinghe.cn"] and "管理员向您发送了此链接" in message.body
    (url,) = re.findall(r"http://localhost(/reset-password/\S+)", message.body)
    visitor = app.test_client()
    done = visitor.post(
        url, data={"password": "Fresh-Lantern-Harbour-77", "confirm": "Fresh-Lantern-Harbour-77"}
    )
    assert done.status_code == 302
    assert login(app.test_client(), "owner@xinghe.cn", "Fresh-Lantern-Harbour-77").status_code == 302
    (row,) = audit_rows("user.password_reset_sent")
    assert row.object_id == str(owner.id) and row.actor == "admin@example.com"


def test_a_disabled_account_gets_no_reset_link(app, admin_client, users):
    users["investor"].is_active_account = False
    db.session.commit()
    response = admin_client.post(f"/admin/users/{users['investor'].id}/reset-link", follow_redirects=True)
    assert "investor@example.com is disabled; enable it before sending a reset link." in response.get_data(
        as_text=True
    )
    assert outbox(app) == [] and audit_rows("user.password_reset_sent") == []


class EmailBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


def test_a_reset_link_the_mail_server_refuses_is_reported_and_not_recorded(app, admin_client, users):
    app.config["MAIL_BACKEND"] = EmailBackend
    init_mail(app)
    response = admin_client.post(f"/admin/users/{users['sme'].id}/reset-link", follow_redirects=True)
    assert "The e-mail could not be sent; try again later." in response.get_data(as_text=True)
    assert audit_rows("user.password_reset_sent") == []


# --- role change -------------------------------------------------------------------------------


def test_a_role_change_is_confirmed_then_ends_sessions_and_is_audited(app, zh_admin, users):
    investor = signed_in(app, "investor@example.com")
    token = api_token(app.test_client(), "investor@example.com")
    target = users["investor"].id
    page = zh_admin.get(f"/admin/users/{target}/role").get_data(as_text=True)
    assert "变更 investor@example.com 的角色" in page and "下次登录时将以新角色使用平台" in page

    unconfirmed = zh_admin.post(f"/admin/users/{target}/role", data={"role": "fund_manager"})
    assert unconfirmed.headers["Location"] == f"/admin/users/{target}/role"
    assert fresh(users["investor"]).role == "investor"

    done = zh_admin.post(f"/admin/users/{target}/role", data={"role": "fund_manager", "confirmed": "yes"})
    assert done.status_code == 302
    assert "investor@example.com 现在的角色：基金经理" in zh_admin.get("/admin/users").get_data(as_text=True)
    assert fresh(users["investor"]).role == "fund_manager"
    assert investor.get("/wallet/").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert login(app.test_client(), "investor@example.com").headers["Location"] == "/fund/"
    (row,) = audit_rows("user.role_changed")
    assert row.payload == {"from": "investor", "to": "fund_manager"}


@pytest.mark.parametrize(("role", "status"), [("emperor", 422), ("", 422), ("investor", 422)])
def test_an_unknown_or_unchanged_role_is_refused(admin_client, users, role, status):
    response = admin_client.post(
        f"/admin/users/{users['investor'].id}/role", data={"role": role, "confirmed": "yes"}
    )
    assert response.status_code == status
    assert fresh(users["investor"]).role == "investor" and audit_rows("user.role_changed") == []


def test_an_admin_cannot_change_their_own_role(app, admin_client, users):
    me = users["admin"].id
    assert "You cannot change your own role." in admin_client.get(f"/admin/users/{me}/role").get_data(
        as_text=True
    )
    response = admin_client.post(f"/admin/users/{me}/role", data={"role": "regulator", "confirmed": "yes"})
    assert response.status_code == 422
    assert "You cannot change your own role." in response.get_data(as_text=True)
    assert fresh(users["admin"]).role == "admin"


def test_an_sme_with_an_enterprise_profile_or_applications_keeps_its_role(app, client, admin_client, users):
    ready_sme(client)  # the fixture SME files its enterprise profile
    sme_id = users["sme"].id
    page = admin_client.get(f"/admin/users/{sme_id}/role").get_data(as_text=True)
    assert "sme@example.com owns an enterprise profile, so its role cannot change." in page
    assert 'name="role"' not in page  # no form to submit
    response = admin_client.post(f"/admin/users/{sme_id}/role", data={"role": "investor", "confirmed": "yes"})
    assert response.status_code == 422
    assert fresh(users["sme"]).role == "sme" and audit_rows("user.role_changed") == []


def test_an_account_with_loan_applications_keeps_its_role(app, client, users):
    sme = ready_sme(client)
    draft(sme)
    from marketplace.models import Enterprise

    # Without its profile the applications alone still bind the account to its role.
    owner = users["sme"]
    db.session.execute(sa.update(Enterprise).values(owner_id=users["investor"].id))
    assert account_admin.role_bound_data(db.session, owner) == (
        "%(email)s has loan applications, so its role cannot change."
    )
    db.session.rollback()


def test_an_investor_with_money_in_the_wallet_keeps_its_role(app, client, admin_client, users):
    investor = ApiUser(client, "investor@example.com")
    assert investor.post("/wallet/deposits", json={"amount": "10.00"}).status_code == 201
    response = admin_client.post(
        f"/admin/users/{users['investor'].id}/role",
        data={"role": "regulator", "confirmed": "yes"},
        follow_redirects=True,
    )
    assert "holds money in its wallet" in response.get_data(as_text=True)
    assert fresh(users["investor"]).role == "investor"


# --- who may ------------------------------------------------------------------------------------


ACTIONS = [
    ("post", "/admin/users/{id}/disable", {"confirmed": "yes"}),
    ("post", "/admin/users/{id}/enable", {}),
    ("post", "/admin/users/{id}/unlock", {}),
    ("post", "/admin/users/{id}/reset-link", {}),
    ("post", "/admin/users/{id}/role", {"role": "admin", "confirmed": "yes"}),
    ("get", "/admin/users/{id}/disable", None),
    ("get", "/admin/users/{id}/role", None),
]


@pytest.mark.parametrize("role", ["sme", "investor", "fund_manager", "regulator"])
@pytest.mark.parametrize(("method", "path", "data"), ACTIONS)
def test_only_an_administrator_manages_accounts(app, users, role, method, path, data):
    client = signed_in(app, f"{role}@example.com")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    url = path.format(id=users["investor"].id)
    response = client.post(url, data=data) if method == "post" else client.get(url)
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before
    assert fresh(users["investor"]).is_active_account and fresh(users["investor"]).role == "investor"
    assert outbox(app) == []


@pytest.mark.parametrize(("method", "path", "data"), ACTIONS)
def test_an_unknown_account_is_not_found(admin_client, users, method, path, data):
    url = path.format(id=999999)
    response = admin_client.post(url, data=data) if method == "post" else admin_client.get(url)
    assert response.status_code == 404


def test_the_services_refuse_a_non_admin_actor(app, users):
    for call in (
        lambda: account_admin.disable_account(db.session, users["fund_manager"], users["sme"].id),
        lambda: account_admin.change_role(db.session, users["regulator"], users["sme"].id, "admin"),
        lambda: account_admin.search_accounts(db.session, users["sme"], page=None),
    ):
        with pytest.raises(NotAllowed):
            call()


@pytest.mark.parametrize(("method", "path", "data"), [a for a in ACTIONS if a[0] == "post"])
def test_account_actions_refuse_a_post_without_csrf_token(database_uri, method, path, data):
    app = create_app({**base_config(database_uri), "WTF_CSRF_ENABLED": True, "MAIL_BACKEND": "locmem"})
    with app.app_context():
        from tests.conftest import POSTGRES_URL, _truncate_all

        if POSTGRES_URL:
            _truncate_all()
        make_user("admin", "admin@example.com")
        target = make_user("investor", "investor@example.com")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        login_data = {"email": "admin@example.com", "password": TEST_PASSWORD, "csrf_token": token}
        assert client.post("/login", data=login_data).status_code == 302
        before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        assert client.post(path.format(id=target.id), data=data).status_code == 400
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before
        assert fresh(target).is_active_account and fresh(target).role == "investor"
        db.session.remove()
        db.engine.dispose()


def test_the_audit_log_names_the_account_actions_in_chinese(app, admin_client, users):
    target = users["investor"].id
    admin_client.post(f"/admin/users/{target}/disable", data={"confirmed": "yes"})
    admin_client.post(f"/admin/users/{target}/enable")
    admin_client.post(f"/admin/users/{target}/unlock")
    admin_client.post(f"/admin/users/{target}/reset-link")
    admin_client.post(f"/admin/users/{target}/role", data={"role": "regulator", "confirmed": "yes"})
    make_user("regulator", "zh-regulator@example.com", locale="zh_CN")
    page = signed_in(app, "zh-regulator@example.com").get("/regulator/audit").get_data(as_text=True)
    for name in ("停用账户", "重新启用账户", "解除登录锁定", "管理员发送密码重置链接", "变更角色"):
        assert name in page, name
