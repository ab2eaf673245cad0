"""The watchdog that bounds PostgreSQL calls on the client side, on a socket pair."""
from __future__ import annotations

import socket
import time

from kong_orm.backends.sql.deadline import Watchdog


def test_a_call_past_its_deadline_has_its_socket_shut() -> None:
    ours, peer = socket.socketpair()
    with ours, peer, Watchdog().bounding(ours.fileno(), 0.2) as call:
        assert ours.recv(1) == b""  # the silent peer never writes: only the shutdown ends the wait
    assert call.expired


def test_a_call_done_in_time_keeps_its_socket() -> None:
    ours, peer = socket.socketpair()
    with ours, peer:
        with Watchdog().bounding(ours.fileno(), 0.2) as call:
            peer.sendall(b"x")
            assert ours.recv(1) == b"x"
        time.sleep(0.4)  # past the finished call's deadline
        assert not call.expired
        peer.sendall(b"z")
        assert ours.recv(1) == b"z"


def test_a_short_call_armed_while_a_long_one_waits_is_cut_at_its_own_deadline() -> None:
    watchdog = Watchdog()
    long_ours, long_peer = socket.socketpair()
    ours, peer = socket.socketpair()
    with long_ours, long_peer, ours, peer, watchdog.bounding(long_ours.fileno(), 30):
        started = time.monotonic()
        with watchdog.bounding(ours.fileno(), 0.2) as call:
            assert ours.recv(1) == b""
        assert call.expired
        assert time.monotonic() - started < 10


def test_calls_after_many_finished_ones_are_still_cut() -> None:
    watchdog = Watchdog()
    ours, peer = socket.socketpair()
    with ours, peer:
        for _ in range(1000):  # each ends at once; the watchdog is not woken for each
            with watchdog.bounding(ours.fileno(), 0.3):
                pass
        with watchdog.bounding(ours.fileno(), 0.3) as call:
            assert ours.recv(1) == b""
        assert call.expired
