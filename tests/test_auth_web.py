"""Registration, sign-in, sign-out and password change through the HTML pages."""

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, User
from tests.helpers import TEST_PASSWORD, api_token, login, make_user

GOOD = {
    "role": "sme",
    "name": "星河制造",
    "email": "owner@xinghe.cn",
    "password": "Sturdy-Password-2026",
    "confirm": "Sturdy-Password-2026",
}


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_sme_registers_and_lands_on_its_dashboard(client):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sme/"
    user = db.session.scalar(sa.select(User).where(User.email == "owner@xinghe.cn"))
    assert user.role == "sme"
    assert user.password_hash.startswith("$argon2id$")
    assert "user.registered" in actions()
    assert client.get("/sme/").status_code == 200


def test_investor_registration_lands_on_investor_dashboard(client):
    response = client.post("/register", data={**GOOD, "role": "investor"})
    assert response.headers["Location"] == "/investor/"


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"email": ""}, "该字段是必填字段"),
        ({"email": "not-an-email"}, "无效的 Email 地址"),
        ({"email": "a" * 250 + "@x.cn"}, "254"),
        ({"name": ""}, "该字段是必填字段"),
        ({"name": "名" * 101}, "100"),
        ({"password": "short", "confirm": "short"}, "密码至少需要 10 个字符"),
        ({"password": "password1234", "confirm": "password1234"}, "该密码过于常见"),
        ({"confirm": "Different-Password-1"}, "两次输入的密码不一致"),
        ({"role": "admin"}, "不是有效的选择"),
        ({"role": "fund_manager"}, "不是有效的选择"),
        ({"role": ""}, "required"),
    ],
)
def test_bad_registration_shows_the_error_and_creates_nothing(client, change, field_message):
    before = user_count()
    response = client.post("/register", data={**GOOD, **change})
    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True)
    assert user_count() == before


def test_duplicate_email_is_refused(client):
    make_user("investor", "owner@xinghe.cn")
    response = client.post("/register", data={**GOOD, "email": "Owner@XingHe.cn"})
    assert response.status_code == 422
    assert "该邮箱已注册" in response.get_data(as_text=True)
    assert user_count() == 1


def test_password_containing_the_email_name_is_refused(client):
    data = {**GOOD, "email": "zhangwei@corp.cn", "password": "zhangwei-2026!", "confirm": "zhangwei-2026!"}
    response = client.post("/register", data=data)
    assert response.status_code == 422
    assert "密码不能包含邮箱用户名" in response.get_data(as_text=True)


def test_sign_in_and_out(client, users):
    response = login(client, "investor@example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/investor/"
    assert client.get("/investor/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/investor/").status_code == 302
    assert [a for a in actions() if a.startswith("auth.")] == ["auth.signed_in", "auth.signed_out"]


def test_signing_out_keeps_the_accounts_language(client, users):
    # make_user accounts read English: the page after sign-out stays English, not the default Chinese.
    login(client, "investor@example.com")
    page = client.post("/logout", follow_redirects=True).get_data(as_text=True)
    assert "You have signed out." in page and "您已退出登录" not in page


def test_a_visitors_chosen_language_survives_signing_in_and_out(client):
    make_user("investor", "zh@example.com", locale="zh_CN")
    client.post("/language", data={"locale": "en", "next": "/login"})
    login(client, "zh@example.com")  # a Chinese account: pages read Chinese while signed in
    assert "我的投资" in client.get("/investor/").get_data(as_text=True)
    page = client.post("/logout", follow_redirects=True).get_data(as_text=True)
    assert "您已退出登录" in page  # the account's language, as the visitor now is that person


def test_a_copied_session_cookie_is_worthless_after_sign_out(app, client, users):
    login(client, "investor@example.com")
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/wallet/").status_code == 200
    client.post("/logout")
    assert copy.get("/wallet/").status_code == 302  # replayed: sent to the sign-in page
    assert "auth.signed_out" in actions()


def test_admin_signs_an_account_out_everywhere(app, client, users):
    login(client, "investor@example.com")
    token = api_token(app.test_client(), "investor@example.com")
    admin = app.test_client()
    login(admin, "admin@example.com")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Sign out everywhere" in page
    response = admin.post(f"/admin/users/{users['investor'].id}/sign-out", follow_redirects=True)
    assert "investor@example.com is signed out everywhere." in response.get_data(as_text=True)
    assert client.get("/wallet/").status_code == 302
    assert (
        app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    assert admin.get("/admin/users").status_code == 200  # the admin's own session goes on
    assert actions()[-1] == "user.signed_out_everywhere"


def test_only_an_admin_signs_others_out_and_only_existing_accounts(app, client, users):
    login(client, "fund_manager@example.com")
    assert client.post(f"/admin/users/{users['investor'].id}/sign-out").status_code == 403
    admin = app.test_client()
    login(admin, "admin@example.com")
    before = actions()
    assert admin.post("/admin/users/999999/sign-out").status_code == 404
    assert actions() == before


def test_sign_out_needs_post(client, users):
    login(client, "investor@example.com")
    assert client.get("/logout").status_code == 405
    assert client.get("/investor/").status_code == 200


def test_wrong_password_is_refused_and_audited(client, users):
    response = login(client, "investor@example.com", "Wrong-Password-123")
    assert response.status_code == 200
    assert "邮箱或密码不正确" in response.get_data(as_text=True)
    assert client.get("/investor/").status_code == 302
    assert actions()[-1] == "auth.sign_in_failed"


def test_unknown_email_gives_the_same_message(client, users):
    response = login(client, "nobody@example.com", "Wrong-Password-123")
    assert "邮箱或密码不正确" in response.get_data(as_text=True)
    assert actions()[-1] == "auth.sign_in_failed"


def test_empty_sign_in_form_is_refused(client, users):
    response = client.post("/login", data={"email": "", "password": ""})
    assert "该字段是必填字段" in response.get_data(as_text=True)
    assert "auth.signed_in" not in actions()


def test_next_is_followed_only_when_local(client, users):
    ok = client.post(
        "/login?next=/investor/", data={"email": "investor@example.com", "password": TEST_PASSWORD}
    )
    assert ok.headers["Location"] == "/investor/"
    client.post("/logout")
    evil = client.post(
        "/login?next=https://evil.example/steal",
        data={"email": "investor@example.com", "password": TEST_PASSWORD},
    )
    assert evil.headers["Location"] == "/investor/"
    client.post("/logout")
    scheme_relative = client.post(
        "/login?next=//evil.example", data={"email": "investor@example.com", "password": TEST_PASSWORD}
    )
    assert scheme_relative.headers["Location"] == "/investor/"


def test_session_is_renewed_at_sign_in(client, users):
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    login(client, "sme@example.com")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(str(users["sme"].id) + ":")


def test_inactive_account_cannot_sign_in(client, users):
    users["sme"].is_active_account = False
    db.session.commit()
    response = login(client, "sme@example.com")
    assert response.status_code == 200
    assert client.get("/sme/").status_code == 302


def test_password_change_requires_the_current_password(sme_client, users):
    response = sme_client.post(
        "/account/password",
        data={
            "current_password": "wrong-one-123",
            "new_password": "Another-Password-99",
            "confirm": "Another-Password-99",
        },
    )
    assert response.status_code == 422
    assert "Current password is incorrect" in response.get_data(as_text=True)
    assert "user.password_changed" not in actions()


@pytest.mark.parametrize(
    ("new", "message"),
    [("short", "at least 10"), ("1234567890", "too common"), (TEST_PASSWORD, "differ")],
)
def test_password_change_rules(sme_client, users, new, message):
    response = sme_client.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": new, "confirm": new},
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_password_change_ends_other_sessions(app, sme_client, users):
    other_device = app.test_client()
    login(other_device, "sme@example.com")
    response = sme_client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "Another-Password-99",
            "confirm": "Another-Password-99",
        },
    )
    assert response.status_code == 302
    assert sme_client.get("/sme/").status_code == 200  # this session continues
    assert other_device.get("/sme/").status_code == 302  # the other one has ended
    assert actions()[-1] == "user.password_changed"
    fresh = app.test_client()
    assert login(fresh, "sme@example.com", "Another-Password-99").headers["Location"] == "/sme/"


def test_failed_sign_ins_are_rate_limited_per_account(app, client, users):
    for _ in range(10):
        assert login(client, "sme@example.com", "Wrong-Password-123").status_code == 200
    blocked = login(client, "sme@example.com", TEST_PASSWORD)
    assert blocked.status_code == 429
    assert client.get("/sme/").status_code == 302


def test_failed_sign_ins_are_rate_limited_per_address(app, client, users):
    for n in range(10):
        login(client, f"guess{n}@example.com", "Wrong-Password-123")
    assert login(client, "investor@example.com", TEST_PASSWORD).status_code == 429


def test_successful_sign_ins_do_not_count_against_the_limit(app, users):
    for _ in range(15):
        c = app.test_client()
        assert login(c, "sme@example.com").status_code == 302


def test_registration_is_throttled_per_address(app, client):
    app.config["REGISTRATION_LIMIT"] = "2/hour"
    for number in (1, 2):
        fresh = app.test_client()
        assert fresh.post("/register", data={**GOOD, "email": f"owner{number}@xinghe.cn"}).status_code == 302
    response = client.post("/register", data={**GOOD, "email": "owner3@xinghe.cn"})
    assert response.status_code == 429
    assert "从您的网络地址注册的账户过多" in response.get_data(as_text=True)
    api = app.test_client().post(
        "/api/v1/auth/register",
        json={"email": "owner4@xinghe.cn", "password": GOOD["password"], "role": "sme", "name": "某企业"},
    )
    assert api.status_code == 429
    assert user_count() == 2
