#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Three HTTP/1.0 requests to HOST:80 from the same source address and port: the server
closes first each time, so its side sits in TIME_WAIT when the next SYN arrives. Prints the
number of complete "200 OK" answers."""
import socket
import sys
import time

host, src = sys.argv[1], sys.argv[2]
good = 0
for i in range(3):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, 45000))
    s.settimeout(5)
    try:
        s.connect((host, 80))
        s.sendall(b"GET /bytes/10 HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(1000)
            if not chunk:
                break
            data += chunk
        good += data.startswith(b"HTTP/1.1 200 OK") and data.endswith(bytes(
            ((j * 7 + (j >> 11)) & 0xFF) for j in range(10)))
    except OSError as e:
        print(f"request {i}: {e}", file=sys.stderr)
    s.close()
    time.sleep(0.2)
print(good)
