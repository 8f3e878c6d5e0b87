#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send N random bytes to a TCP echo while reading the echo back concurrently, then
half-close; print "match <bytes>" if every byte came back in order, else "mismatch"."""
import hashlib
import os
import socket
import sys
import threading

host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((host, port), timeout=60)
chunk = os.urandom(1 << 16)
sent_h, recv_h = hashlib.sha256(), hashlib.sha256()
got = [0]


def reader():
    while True:
        d = s.recv(1 << 20)
        if not d:
            break
        recv_h.update(d)
        got[0] += len(d)


t = threading.Thread(target=reader)
t.start()
sent = 0
while sent < total:
    n = min(len(chunk), total - sent)
    s.sendall(chunk[:n])
    sent_h.update(chunk[:n])
    sent += n
s.shutdown(socket.SHUT_WR)
t.join(120)
ok = got[0] == total and sent_h.digest() == recv_h.digest()
print(f"{'match' if ok else 'mismatch'} {got[0]}")
