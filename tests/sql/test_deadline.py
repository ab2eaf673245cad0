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
