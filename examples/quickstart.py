"""A first look at kong_orm on an SQLite file of its own: no server needed.

    python examples/quickstart.py [DATABASE_URL]

It empties the tables of the store it runs on: by default ``quickstart.db``,
not ``kong_orm.db``, the default store of ``create_factory()`` and ``kong-orm``.
"""
from __future__ import annotations

import sys

import kong_orm

QUICKSTART_URL = "sqlite:///quickstart.db"


def main(url: str) -> None:
    factory = kong_orm.create_factory(url)
    applied = factory.run_migrations()
    print("migrations applied for:", ", ".join(applied) or "none (already up to date)")
    factory.truncate_tables()

    api = factory.apis.insert({"request_path": "/mockbin", "upstream_url": "http://mockbin.com"})
    consumer = factory.consumers.insert({"username": "alice"})
    plugin = factory.plugins.insert({"name": "rate-limiting", "api_id": api["id"], "config": {"minute": 20}})
    print(f"api {api['name']!r} -> {api['upstream_url']}, consumer {consumer['username']!r}")
    print(f"plugin {plugin['name']} with config {plugin['config']}")
    credential = factory.keyauth_credentials.insert({"consumer_id": consumer["id"]})
    print(f"key-auth credential of alice: a generated key of {len(credential['key'])} characters")

    try:
        factory.consumers.insert({"username": "alice"})
    except kong_orm.UniqueError as error:
        print("second alice refused:", error)

    for n in range(5):
        factory.consumers.insert({"username": f"user{n}"})
    page, offset = factory.consumers.find_page(size=4)
    while True:
        print("page:", ", ".join(row["username"] for row in page))
        if offset is None:
            break
        page, offset = factory.consumers.find_page(offset=offset, size=4)

    factory.apis.delete({"id": api["id"]})
    print("after deleting the api, plugins left:", factory.plugins.count())
    factory.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else QUICKSTART_URL)
