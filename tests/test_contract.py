"""The shipped contract suite, on every configured backend."""
from kong_orm.testing.contract import *  # noqa: F401,F403
