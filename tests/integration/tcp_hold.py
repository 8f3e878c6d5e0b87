#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Open one TCP connection, echo one message, then stay idle for SECONDS and report whether
the connection is still usable ("alive") or was reset by the peer ("reset")."""
import socket
import sys
import time

host, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.create_connection((host, port), timeout=5)
s.sendall(b"hello")
assert s.recv(100) == b"hello"
time.sleep(secs)
try:
    s.sendall(b"again")
    s.settimeout(3)
    print("alive" if s.recv(100) == b"again" else "broken")
except OSError:
    print("reset")
