"""Join core and the built-in plugins' branches into one head.

``alembic upgrade head`` from the repository root then creates core and every
built-in plugin's tables. It changes nothing itself; factories upgrade each
component they serve on its own and never need it.

Revision ID: 0002_builtin_plugins
Revises: the newest revision of each built-in plugin
Create Date: 2026-12-01
"""
from collections.abc import Sequence

revision: str = "0002_builtin_plugins"
# Each built-in branch starts from core's first revision; a later core revision
# needs a new joining revision that lists it too.
down_revision: str | Sequence[str] | None = (
    "0001_acl",
    "0001_basic_auth",
    "0001_hmac_auth",
    "0001_jwt",
    "0001_key_auth",
    "0001_oauth2",
    "0001_rate_limiting",
    "0001_response_ratelimiting",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
