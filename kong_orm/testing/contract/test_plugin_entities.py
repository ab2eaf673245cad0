"""What the built-in plugins' entities add to the entity-wide contract: generated
keys, hashed passwords, Kong's messages, transitive cascades, counters."""
from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from kong_orm.errors import SchemaError, UniqueError
from kong_orm.events import EventType
from kong_orm.factory import DAOFactory
from kong_orm.plugins.basic_auth import verify_password
from kong_orm.plugins.metrics import period_starts
from kong_orm.testing.contract.helpers import add_api, add_consumer

HEX32 = re.compile(r"^[0-9a-f]{32}$")
MOMENT = 1424217600000
"""2015-02-18T00:00:00Z"""


def _credential(factory: DAOFactory, entity: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = factory.dao(entity).insert({"consumer_id": add_consumer(factory)["id"], **values})
    return row


@pytest.mark.parametrize(
    "entity, fields",
    [
        ("keyauth_credentials", ("key",)),
        ("jwt_secrets", ("key", "secret")),
    ],
)
def test_keys_are_generated_when_absent_or_blank(factory: DAOFactory, entity: str, fields: tuple[str, ...]) -> None:
    generated = _credential(factory, entity)
    blank = _credential(factory, entity, **{name: "  " for name in fields})
    given = _credential(factory, entity, **{name: f"my-{name}" for name in fields})
    for name in fields:
        assert HEX32.match(generated[name]) and HEX32.match(blank[name])
        assert generated[name] != blank[name]
        assert given[name] == f"my-{name}"


def test_oauth2_credentials_get_a_client_id_and_secret(factory: DAOFactory) -> None:
    credential = _credential(factory, "oauth2_credentials", name="app", redirect_uri="https://app.example.com/cb")
    assert HEX32.match(credential["client_id"]) and HEX32.match(credential["client_secret"])
    assert credential["redirect_uri"] == ["https://app.example.com/cb"]


@pytest.mark.parametrize(
    "uris, message",
    [
        ([], "at least one URI is required"),
        (["not a uri"], "cannot parse 'not a uri'"),
        (["https://ok.example.com", "https://app.example.com/cb#top"], "fragment not allowed in 'https://app.example.com/cb#top'"),
    ],
)
def test_oauth2_redirect_uris_are_checked(factory: DAOFactory, uris: list[str], message: str) -> None:
    with pytest.raises(SchemaError) as raised:
        _credential(factory, "oauth2_credentials", name="app", redirect_uri=uris)
    assert raised.value.errors == {"redirect_uri": message}


def test_oauth2_tokens_are_bearer_tokens(factory: DAOFactory) -> None:
    credential = _credential(factory, "oauth2_credentials", name="app", redirect_uri=["https://a.example.com"])
    token = factory.dao("oauth2_tokens").insert({"credential_id": credential["id"], "expires_in": 3600}, ttl=60)
    assert token["token_type"] == "bearer" and HEX32.match(token["access_token"])
    with pytest.raises(SchemaError) as raised:
        factory.dao("oauth2_tokens").insert({"credential_id": credential["id"], "expires_in": 1, "token_type": "mac"})
    assert raised.value.errors == {"token_type": '"mac" is not allowed. Allowed values are: "bearer"'}


def test_jwt_algorithms_are_hs256_or_rs256(factory: DAOFactory) -> None:
    assert _credential(factory, "jwt_secrets")["algorithm"] == "HS256"
    assert _credential(factory, "jwt_secrets", algorithm="RS256", rsa_public_key="pem")["algorithm"] == "RS256"
    with pytest.raises(SchemaError) as raised:
        _credential(factory, "jwt_secrets", algorithm="none")
    assert raised.value.errors == {"algorithm": '"none" is not allowed. Allowed values are: "HS256", "RS256"'}


def test_basic_auth_passwords_are_stored_as_salted_digests(factory: DAOFactory) -> None:
    first = _credential(factory, "basicauth_credentials", username="ann", password="s3cret")
    second = _credential(factory, "basicauth_credentials", username="bob", password="s3cret")
    assert "s3cret" not in first["password"] and first["password"] != second["password"]
    assert verify_password(first, "s3cret") and not verify_password(first, "S3cret")
    dao = factory.dao("basicauth_credentials")
    assert dao.find({"id": first["id"]})["password"] == first["password"]


def test_basic_auth_digests_are_not_hashed_again(factory: DAOFactory) -> None:
    dao = factory.dao("basicauth_credentials")
    stored = _credential(factory, "basicauth_credentials", username="ann", password="s3cret")
    renamed = dao.update({"username": "anna"}, {"id": stored["id"]})
    assert renamed["password"] == stored["password"]
    handed_back = dao.update({**stored, "username": "annie"}, {"id": stored["id"]}, full=True)
    assert handed_back["password"] == stored["password"] and verify_password(handed_back, "s3cret")
    changed = dao.update({"password": "n3w"}, {"id": stored["id"]})
    assert verify_password(changed, "n3w") and not verify_password(changed, "s3cret")


def test_an_acl_group_is_held_once_per_consumer(factory: DAOFactory) -> None:
    consumer, other = add_consumer(factory), add_consumer(factory)
    acls = factory.dao("acls")
    acls.insert({"consumer_id": consumer["id"], "group": "admin"})
    with pytest.raises(UniqueError) as raised:
        acls.insert({"consumer_id": consumer["id"], "group": "admin"})
    assert str(raised.value) == "ACL group already exist for this consumer"
    assert acls.insert({"consumer_id": other["id"], "group": "admin"})["group"] == "admin"
    assert acls.count({"group": "admin"}) == 2


def test_deleting_a_consumer_deletes_its_credentials_and_their_tokens(factory: DAOFactory) -> None:
    consumer = add_consumer(factory)
    credential = factory.dao("oauth2_credentials").insert(
        {"consumer_id": consumer["id"], "name": "app", "redirect_uri": ["https://a.example.com"]}
    )
    token = factory.dao("oauth2_tokens").insert({"credential_id": credential["id"], "expires_in": 60})
    key = factory.keyauth_credentials.insert({"consumer_id": consumer["id"]})
    events: list[tuple[str, str, Any]] = []
    unsubscribe = factory.events.subscribe(lambda kind, name, row: events.append((kind, name, row["id"])))
    try:
        factory.consumers.delete({"id": consumer["id"]})
    finally:
        unsubscribe()
    assert sorted(events) == sorted(
        (EventType.ENTITY_DELETED, name, row["id"])
        for name, row in [
            ("consumers", consumer),
            ("oauth2_credentials", credential),
            ("oauth2_tokens", token),
            ("keyauth_credentials", key),
        ]
    )
    assert factory.dao("oauth2_tokens").count() == 0 and factory.keyauth_credentials.count() == 0


def test_metrics_count_every_period_of_a_moment(factory: DAOFactory) -> None:
    metrics = factory.ratelimiting_metrics
    api_id = add_api(factory)["id"]
    metrics.increment(api_id, "10.0.0.1", MOMENT, 1)
    metrics.increment(api_id, "10.0.0.1", MOMENT + 1000, 2)
    assert metrics.find(api_id, "10.0.0.1", MOMENT, "second")["value"] == 1
    assert metrics.find(api_id, "10.0.0.1", MOMENT + 1000, "second")["value"] == 2
    for period in ("minute", "hour", "day", "month", "year"):
        row = metrics.find(api_id, "10.0.0.1", MOMENT, period)
        assert row == {
            "api_id": api_id,
            "identifier": "10.0.0.1",
            "period": period,
            "period_date": period_starts(MOMENT)[period],
            "value": 3,
        }
    assert metrics.find(api_id, "10.0.0.2", MOMENT, "second") is None
    assert metrics.count() == 7


def test_response_metrics_count_per_limit_name(factory: DAOFactory) -> None:
    metrics = factory.response_ratelimiting_metrics
    api_id = add_api(factory)["id"]
    metrics.increment(api_id, "10.0.0.1", "video", MOMENT, 5)
    metrics.increment(api_id, "10.0.0.1", "image", MOMENT, 1)
    video = metrics.find(api_id, "10.0.0.1", "video", MOMENT, "hour")
    assert video is not None and video["period"] == "video_hour" and video["value"] == 5
    assert metrics.find(api_id, "10.0.0.1", "image", MOMENT, "year")["value"] == 1
    assert metrics.count() == 12


@pytest.mark.parametrize("moment", [-1, 10**18, 1.5, "1424217600000", True])
def test_metrics_refuse_a_moment_no_calendar_holds(factory: DAOFactory, moment: object) -> None:
    api_id = add_api(factory)["id"]
    with pytest.raises(ValueError, match="current_timestamp_ms must be a whole number of milliseconds"):
        factory.ratelimiting_metrics.increment(api_id, "10.0.0.1", moment, 1)
    with pytest.raises(ValueError, match="current_timestamp_ms must be a whole number of milliseconds"):
        factory.ratelimiting_metrics.find(api_id, "10.0.0.1", moment, "day")
    assert factory.ratelimiting_metrics.count() == 0


def test_period_starts_are_utc_calendar_boundaries() -> None:
    assert period_starts(1424217600000) == {
        "second": 1424217600000,
        "minute": 1424217600000,
        "hour": 1424217600000,
        "day": 1424217600000,
        "month": 1422748800000,
        "year": 1420070400000,
    }
    assert period_starts(1424217601999)["second"] == 1424217601000


def test_concurrent_increments_lose_no_count(factory: DAOFactory) -> None:
    metrics = factory.ratelimiting_metrics
    api_id = add_api(factory)["id"]
    start = threading.Barrier(16)

    def hit() -> None:
        start.wait()
        for _ in range(5):
            metrics.increment(api_id, "shared", MOMENT, 1)

    threads = [threading.Thread(target=hit) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert metrics.find(api_id, "shared", MOMENT, "day")["value"] == 80


def test_counter_tables_are_written_only_by_increments(factory: DAOFactory) -> None:
    dao = factory.ratelimiting_metrics.repository
    with pytest.raises(TypeError):
        dao.insert({"api_id": add_api(factory)["id"], "identifier": "x", "period_date": MOMENT, "period": "day"})
    with pytest.raises(SchemaError) as raised:
        dao.increment([{"api_id": add_api(factory)["id"], "identifier": "x", "period_date": MOMENT, "period": "day",
                        "value": "many"}])
    assert raised.value.errors == {"value": "value is not a number"}


@pytest.mark.parametrize("identifier", ["", "   "])
def test_an_increment_no_find_could_read_back_is_refused(factory: DAOFactory, identifier: str) -> None:
    """A blank text key matches nothing on every read, so a counter stored under one would be lost."""
    metrics = factory.ratelimiting_metrics
    api_id = add_api(factory)["id"]
    with pytest.raises(SchemaError) as raised:
        metrics.increment(api_id, identifier, MOMENT, 1)
    assert raised.value.errors == {"identifier": "identifier is required"}
    with pytest.raises(SchemaError):
        factory.response_ratelimiting_metrics.increment(api_id, identifier, "video", MOMENT, 1)
    row = {"api_id": api_id, "identifier": "10.0.0.1", "period_date": MOMENT, "period": "day", "value": 1}
    with pytest.raises(SchemaError) as raised:
        metrics.repository.increment([row, {**row, "identifier": identifier}])
    assert raised.value.errors == {"identifier": "identifier is required"}
    with pytest.raises(SchemaError) as raised:
        metrics.repository.increment([{**row, "period": identifier}])
    assert raised.value.errors == {"period": "period is required"}
    assert metrics.count() == 0 and factory.response_ratelimiting_metrics.count() == 0
