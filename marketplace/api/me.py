"""GET /me."""

from flask_smorest import Blueprint

from marketplace.api.schemas import UserSchema
from marketplace.api.security import api_user, guard_api_blueprint

URL_PREFIX = ""
blp = Blueprint("api_me", __name__, description="The signed-in user")
guard_api_blueprint(blp)


@blp.get("/me")
@blp.response(200, UserSchema)
def me():
    """The user the bearer token belongs to."""
    return api_user()
