"""Forgotten passwords: the request form, the e-mailed single-use link, setting the new password."""

import re
import time

import itsdangerous
import pytest
import sqlalchemy as sa
from flask_mailman.backends.base import BaseEmailBackend

from marketplace.app import create_app
from marketplace.extensions import db
from marketplace.mail import init_mail
from marketplace.models import AuditEvent, User
from marketplace.services import password_resets
from tests.conftest import base_config
from tests.helpers import TEST_PASSWORD, api_token, bearer, login, make_user

NEW_PASSWORD = "Fresh-Lantern-Harbour-77"


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


def ask(client, email: str, **kwargs):
    return client.post("/forgot-password", data={"email": email}, **kwargs)


def link_path(message) -> str:
    """The path of the reset link in an e-mail (the link itself is absolute)."""
    (url,) = re.findall(r"http://localhost(/reset-password/\S+)", message.body)
    return url


def page_of(client) -> str:
    """The sign-in page as the client sees it next, its per-session CSRF tokens blanked out."""
    page = client.get("/login").get_data(as_text=True)
    return re.sub(r'value="[\w-]+\.[\w-]+\.[\w-]+"', 'value="CSRF"', page)


def reset(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(path, data={"password": password, "confirm": password if confirm is None else confirm})


def password_works(app, email: str, password: str) -> bool:
    return login(app.test_client(), email, password).status_code == 302


@pytest.fixture
def zh_sme(app):
    return make_user("sme", "owner@xinghe.cn", name="王芳", locale="zh_CN")


def test_sign_in_page_links_to_the_forgotten_password_form(client):
    page = client.get("/login").get_data(as_text=True)
    assert "忘记密码？" in page and 'href="/forgot-password"' in page
    form = client.get("/forgot-password")
    assert form.status_code == 200
    assert "忘记密码？" in form.get_data(as_text=True)


def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(app, client, zh_sme):
    signed_in = app.test_client()
    login(signed_in, "owner@xinghe.cn")
    token = api_token(app.test_client(), "owner@xinghe.cn")
    assert signed_in.get("/sme/").status_code == 200

    response = ask(client, "Owner@XingHe.cn")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "如果有账户使用该邮箱" in client.get("/login").get_data(as_text=True)
    (message,) = outbox(app)
    assert message.to == ["owner@xinghe.cn"]
    assert message.subject == "为您的三好街中小微企业融资账户设置新密码"
    assert "王芳，您好" in message.body and "60 分钟" in message.body

    path = link_path(message)
    page = client.get(path)
    assert page.status_code == 200 and "设置新密码" in page.get_data(as_text=True)
    done = reset(client, path)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "新密码已设置" in client.get("/login").get_data(as_text=True)

    assert password_works(app, "owner@xinghe.cn", NEW_PASSWORD)
    assert not password_works(app, "owner@xinghe.cn", TEST_PASSWORD)
    assert signed_in.get("/sme/").status_code == 302  # the old session cookie no longer works
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    (requested,) = audit_rows("user.password_reset_requested")
    assert requested.actor_id is None and requested.payload["sent"] is True
    (done_row,) = audit_rows("user.password_reset")
    assert done_row.object_id == str(zh_sme.id)

    again = client.get(path)  # used once: the link has ended with the old password
    assert again.status_code == 400
    assert "该密码重置链接无效或已过期" in again.get_data(as_text=True)
    assert reset(client, path, "Another-Lantern-Harbour-78").status_code == 400
    assert password_works(app, "owner@xinghe.cn", NEW_PASSWORD)


def test_the_email_is_in_the_recipients_language_whatever_the_pages_language(app, client, users):
    ask(client, "investor@example.com")  # the visitor's page is Chinese; the account reads English
    (message,) = outbox(app)
    assert message.subject == "Set a new password for your Sanhaojie SME Finance account"
    assert message.body.startswith("Hello investor,")
    assert "within 60 minutes" in message.body


def test_an_unknown_email_gets_the_same_answer_and_no_email(app, users):
    known, unknown = app.test_client(), app.test_client()
    answers = [ask(known, "investor@example.com"), ask(unknown, "nobody@example.com")]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert page_of(known) == page_of(unknown)
    assert [m.to for m in outbox(app)] == [["investor@example.com"]]
    requested = audit_rows("user.password_reset_requested")
    assert [(r.object_id, r.payload["sent"]) for r in requested] == [
        (str(users["investor"].id), True),
        ("", False),
    ]


def test_a_disabled_account_gets_no_email_and_its_links_stop_working(app, client, zh_sme):
    path = link_path_for(app, zh_sme)
    zh_sme.is_active_account = False
    db.session.commit()
    response = ask(client, "owner@xinghe.cn")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert outbox(app) == []
    assert audit_rows("user.password_reset_requested")[0].payload["sent"] is False
    assert client.get(path).status_code == 400
    assert reset(client, path).status_code == 400
    zh_sme.is_active_account = True
    db.session.commit()
    assert password_works(app, "owner@xinghe.cn", TEST_PASSWORD)


def link_path_for(app, user) -> str:
    with app.test_request_context():
        return "/reset-password/" + password_resets.make_token(app.config["SECRET_KEY"], user)


def test_an_expired_link_is_refused(app, client, zh_sme, monkeypatch):
    two_hours_ago = int(time.time()) - 2 * 3600
    with monkeypatch.context() as past:
        past.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: two_hours_ago)
        path = link_path_for(app, zh_sme)
    response = client.get(path)
    assert response.status_code == 400
    assert "该密码重置链接无效或已过期" in response.get_data(as_text=True)
    assert reset(client, path).status_code == 400
    assert password_works(app, "owner@xinghe.cn", TEST_PASSWORD)
    assert audit_rows("user.password_reset") == []


def test_a_link_within_its_lifetime_works(app, client, zh_sme, monkeypatch):
    fifty_minutes_ago = int(time.time()) - 50 * 60
    with monkeypatch.context() as past:
        past.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: fifty_minutes_ago)
        path = link_path_for(app, zh_sme)
    assert reset(client, path).status_code == 302


def test_a_password_change_ends_an_earlier_link(app, client, zh_sme):
    path = link_path_for(app, zh_sme)
    sme = app.test_client()
    login(sme, "owner@xinghe.cn")
    changed = sme.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert client.get(path).status_code == 400
    assert reset(client, path, "Another-Lantern-Harbour-78").status_code == 400
    assert password_works(app, "owner@xinghe.cn", NEW_PASSWORD)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
        lambda token: "x" + token,  # payload
        lambda token: "not-a-token",
        lambda token: "a" * 2000,
        lambda token: token.split(".")[0],
    ],
)
def test_a_tampered_link_is_refused(app, client, zh_sme, tamper):
    path = link_path_for(app, zh_sme)
    bad = "/reset-password/" + tamper(path.rsplit("/", 1)[1])
    assert client.get(bad).status_code == 400
    assert reset(client, bad).status_code == 400
    assert password_works(app, "owner@xinghe.cn", TEST_PASSWORD)


def test_a_link_signed_with_another_key_or_for_another_account_is_refused(app, client, zh_sme, users):
    forged = password_resets.make_token("some-other-secret-key-that-is-long-enough", zh_sme)
    assert client.get(f"/reset-password/{forged}").status_code == 400
    # A genuine token whose fingerprint is another account's does not open this one.
    serializer = itsdangerous.URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="password-reset")
    other = password_resets.make_token(app.config["SECRET_KEY"], users["investor"])
    fingerprint = serializer.loads(other)["f"]
    mixed = serializer.dumps({"u": zh_sme.id, "f": fingerprint})
    assert client.get(f"/reset-password/{mixed}").status_code == 400
    assert (
        client.get(f"/reset-password/{serializer.dumps({'u': str(zh_sme.id), 'f': 'x'})}").status_code == 400
    )


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", None, "密码至少需要 10 个字符"),
        ("password1234", None, "该密码过于常见"),
        ("owner-is-me-2026", None, "密码不能包含邮箱用户名"),
        (NEW_PASSWORD, "Different-Password-1", "两次输入的密码不一致"),
        ("", None, "该字段是必填字段"),
        (NEW_PASSWORD + "\x00", None, "U+0000"),
    ],
)
def test_a_weak_or_mistyped_password_is_refused_and_the_link_still_works(
    app, client, zh_sme, password, confirm, message
):
    path = link_path_for(app, zh_sme)
    response = reset(client, path, password, confirm)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert password_works(app, "owner@xinghe.cn", TEST_PASSWORD)
    assert audit_rows("user.password_reset") == []
    assert reset(client, path).status_code == 302


@pytest.mark.parametrize(
    ("email", "message"), [("", "该字段是必填字段"), ("not-an-email", "无效的"), ("a\x00@b.cn", "U+0000")]
)
def test_a_malformed_email_is_refused_and_records_nothing(app, client, users, email, message):
    response = ask(client, email)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert outbox(app) == [] and audit_rows("user.password_reset_requested") == []


def test_requests_are_throttled_per_address(app, users):
    app.config["PASSWORD_RESET_LIMIT"] = "2/hour"
    client = app.test_client()
    assert ask(client, "a@example.com").status_code == 302
    assert ask(client, "b@example.com").status_code == 302
    refused = ask(client, "investor@example.com")
    assert refused.status_code == 429
    assert "密码重置请求过多" in refused.get_data(as_text=True)
    assert outbox(app) == []  # the refused request for a real account sent nothing
    assert ask(client, "investor@example.com", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302


def test_requests_are_throttled_per_email_whoever_asks(app, users):
    app.config["PASSWORD_RESET_LIMIT"] = "2/hour"
    for number in (1, 2):
        client = app.test_client()
        assert (
            ask(client, "investor@example.com", environ_base={"REMOTE_ADDR": f"10.0.0.{number}"}).status_code
            == 302
        )
    refused = ask(app.test_client(), "Investor@Example.com", environ_base={"REMOTE_ADDR": "10.0.0.3"})
    assert refused.status_code == 429
    assert len(outbox(app)) == 2
    # An unknown address is limited alike, so a 429 tells nothing about accounts.
    for number in (4, 5):
        ask(app.test_client(), "nobody@example.com", environ_base={"REMOTE_ADDR": f"10.0.0.{number}"})
    assert (
        ask(app.test_client(), "nobody@example.com", environ_base={"REMOTE_ADDR": "10.0.0.6"}).status_code
        == 429
    )


class EmailBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


def test_a_mail_server_failure_does_not_reveal_the_account(app, users):
    app.config["MAIL_BACKEND"] = EmailBackend
    init_mail(app)
    known, unknown = app.test_client(), app.test_client()
    assert ask(known, "investor@example.com").headers["Location"] == "/login"
    assert ask(unknown, "nobody@example.com").headers["Location"] == "/login"
    assert page_of(known) == page_of(unknown)


def test_the_request_and_reset_forms_refuse_a_post_without_csrf_token(database_uri):
    app = create_app({**base_config(database_uri), "WTF_CSRF_ENABLED": True, "MAIL_BACKEND": "locmem"})
    with app.app_context():
        from tests.conftest import POSTGRES_URL, _truncate_all

        if POSTGRES_URL:
            _truncate_all()
        user = make_user("sme", "owner@xinghe.cn")
        password_hash = user.password_hash
        client = app.test_client()
        assert ask(client, "owner@xinghe.cn").status_code == 400
        path = link_path_for(app, user)
        assert reset(client, path).status_code == 400
        db.session.expire_all()
        assert db.session.get(User, user.id).password_hash == password_hash
        assert outbox(app) == []
        assert (
            db.session.scalar(sa.select(AuditEvent.seq).where(AuditEvent.action.like("user.password_reset%")))
            is None
        )
        db.session.remove()
        db.engine.dispose()


def test_the_reset_is_recorded_as_the_account_and_the_session_generation_moves(app, client, zh_sme):
    generation = zh_sme.session_generation
    reset(client, link_path_for(app, zh_sme))
    db.session.expire_all()
    user = db.session.get(User, zh_sme.id)
    assert user.session_generation == generation + 1
    (row,) = audit_rows("user.password_reset")
    assert row.actor_id == zh_sme.id


def test_the_audit_log_names_the_reset_actions_in_chinese(app, client, zh_sme):
    ask(client, "owner@xinghe.cn")
    reset(client, link_path(outbox(app)[0]))
    make_user("regulator", "zh-regulator@example.com", locale="zh_CN")
    regulator = app.test_client()
    login(regulator, "zh-regulator@example.com")
    page = regulator.get("/regulator/audit").get_data(as_text=True)
    assert "申请重置密码" in page and "通过邮件链接重置密码" in page


def test_the_link_names_the_configured_host_whatever_host_the_request_named(app, users):
    """SERVER_NAME (required in production) decides the link's host: a forged Host header on the
    request cannot make the site mail a link to another site."""
    app.config["SERVER_NAME"] = "www.example.cn"
    response = ask(app.test_client(), "investor@example.com", headers={"Host": "evil.example"})
    assert response.status_code == 302
    (message,) = outbox(app)
    assert "http://www.example.cn/reset-password/" in message.body
    assert "evil.example" not in message.body
