"""Join core and the built-in plugins' branches into one head again, after their expire_at indexes.

``alembic upgrade head`` from the repository root then applies every revision of
core and of each built-in plugin. It changes nothing itself; factories upgrade each
component they serve on its own and never need it.

Revision ID: 0003_builtin_plugins
Revises: the previous joining revision and the newest revision of core and of each built-in plugin
Create Date: 2026-12-01
"""
from collections.abc import Sequence

revision: str = "0003_builtin_plugins"
# A database upgraded to the previous head keeps it as its starting point; a later
# revision of any component needs a new joining revision that lists it too.
down_revision: str | Sequence[str] | None = (
    "0002_builtin_plugins",
    "0002_core_ttl",
    "0002_acl_ttl",
    "0002_basic_auth_ttl",
    "0002_hmac_auth_ttl",
    "0002_jwt_ttl",
    "0002_key_auth_ttl",
    "0002_oauth2_ttl",
    "0002_rate_limiting_ttl",
    "0002_response_ratelimiting_ttl",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
