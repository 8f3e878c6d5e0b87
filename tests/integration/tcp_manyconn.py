#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Open N TCP connections at once (non-blocking connects), then echo a distinct message on
each and check it. Prints "OK/N echoed"; exit 0 only if every one came back intact."""
import socket
import sys

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    socks.append(s)
ok = 0
for i, s in enumerate(socks):
    s.setblocking(True)
    s.settimeout(10)
    msg = f"connection {i} ".encode() * 20
    try:
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            d = s.recv(65536)
            if not d:
                break
            got += d
        ok += got == msg
    except OSError as e:
        print(f"connection {i}: {e}", file=sys.stderr)
    s.close()
print(f"{ok}/{n} echoed")
sys.exit(0 if ok == n else 1)
