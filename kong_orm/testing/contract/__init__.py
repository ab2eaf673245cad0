"""The contract every backend meets, as pytest tests.

A backend's test module star-imports this package and provides a ``factory``
fixture: a :class:`~kong_orm.DAOFactory` with migrated, empty tables::

    from kong_orm.testing.contract import *  # noqa: F401,F403
"""
from kong_orm.testing.contract.test_delete import *  # noqa: F401,F403
from kong_orm.testing.contract.test_entities import *  # noqa: F401,F403
from kong_orm.testing.contract.test_events import *  # noqa: F401,F403
from kong_orm.testing.contract.test_find import *  # noqa: F401,F403
from kong_orm.testing.contract.test_hostile_input import *  # noqa: F401,F403
from kong_orm.testing.contract.test_insert import *  # noqa: F401,F403
from kong_orm.testing.contract.test_migrations import *  # noqa: F401,F403
from kong_orm.testing.contract.test_paging import *  # noqa: F401,F403
from kong_orm.testing.contract.test_plugin_configs import *  # noqa: F401,F403
from kong_orm.testing.contract.test_plugin_entities import *  # noqa: F401,F403
from kong_orm.testing.contract.test_plugins import *  # noqa: F401,F403
from kong_orm.testing.contract.test_ttl import *  # noqa: F401,F403
from kong_orm.testing.contract.test_update import *  # noqa: F401,F403
