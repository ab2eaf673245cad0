"""Real PostgreSQL and Cassandra servers for the tests, run from a cache folder.

A development tool, not part of the kong_orm package (it may run apt-get and Maven).

Command line: ``python -m tests.servers postgres start|stop|status|restart|url``
and ``python -m tests.servers cassandra fetch|start|stop|status|restart|url``;
a three-node cluster for the fault tests with ``python -m tests.servers
cassandra-cluster start|stop|status|restart|url`` and ``stop-node|kill-node|start-node N``.
From Python, the ``postgres``, ``cassandra`` and ``cassandra_cluster`` submodules
each offer ``start()``, ``stop()``, ``is_running()`` and ``url()``.
State lives in ``$KONG_ORM_CACHE_DIR``, by default ``<repository>/.cache``.
"""

from ._common import ServerError, cache_dir

__all__ = ["ServerError", "cache_dir"]
