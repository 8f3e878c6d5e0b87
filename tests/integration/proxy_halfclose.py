#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Half-close through a TCP proxy (RFC 9293 3.6), both directions. Used by proxy.sh.

Servers (one process, a thread per connection):
    proxy_halfclose.py serve UP_PORT DOWN_PORT LOGFILE
  UP_PORT   "reply after EOF": reads the request until the client's FIN, then answers
            "LEN SHA256\\n" of what it read followed by N pattern bytes (N is the request's
            first line), and closes.
  DOWN_PORT "talk first": sends 1 MiB of pattern bytes, shuts down writing, then reads the
            client's upload until EOF and appends "LEN SHA256" of it to LOGFILE.

Clients (print one result line; exit 0 only when it says "match"):
    proxy_halfclose.py up HOST PORT REQ_BYTES RESP_BYTES [--slow]
      send "RESP_BYTES\\n" + REQ_BYTES pattern bytes, shutdown(SHUT_WR), read to EOF and check
      the server saw exactly the request and the response is complete. --slow waits 0.5 s
      before reading, so the response piles up in the proxy while its FIN arrives.
    proxy_halfclose.py down HOST PORT UPLOAD_BYTES
      read the 1 MiB greeting to EOF (the server's FIN passed on), then upload UPLOAD_BYTES
      and shut down; prints "match LEN SHA" for proxy.sh to compare with LOGFILE.
"""
import hashlib
import random
import socket
import sys
import threading
import time

GREETING = 1 << 20
BLOCK = random.Random(8).randbytes(1 << 20)


def pattern(n, seed):
    """n bytes: BLOCK rotated by seed, repeated (deterministic, not periodic below 1 MiB)."""
    block = BLOCK[seed % len(BLOCK):] + BLOCK[:seed % len(BLOCK)]
    return (block * (n // len(block) + 1))[:n]


def recv_all(s):
    parts = []
    while True:
        b = s.recv(1 << 16)
        if not b:
            return b"".join(parts)
        parts.append(b)


def serve_up(conn):
    with conn:
        data = recv_all(conn)
        first, _, _ = data.partition(b"\n")
        n = int(first)
        conn.sendall(b"%d %s\n" % (len(data), hashlib.sha256(data).hexdigest().encode()))
        conn.sendall(pattern(n, 1))


def serve_down(conn, log):
    with conn:
        conn.sendall(pattern(GREETING, 2))
        conn.shutdown(socket.SHUT_WR)
        data = recv_all(conn)
        with open(log, "a") as f:
            f.write("%d %s\n" % (len(data), hashlib.sha256(data).hexdigest()))


def listen(port, fn, *args):
    srv = socket.create_server(("0.0.0.0", port), backlog=128, reuse_port=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=fn, args=(conn,) + args, daemon=True).start()


def serve(up_port, down_port, log):
    threading.Thread(target=listen, args=(up_port, serve_up), daemon=True).start()
    threading.Thread(target=listen, args=(down_port, serve_down, log), daemon=True).start()
    print("listening", flush=True)
    while True:
        time.sleep(3600)


def client_up(host, port, req, resp, slow):
    body = b"%d\n" % resp + pattern(req, 3)
    s = socket.create_connection((host, port), timeout=30)
    s.sendall(body)
    s.shutdown(socket.SHUT_WR)
    if slow:
        time.sleep(0.5)
    data = recv_all(s)
    s.close()
    head, _, rest = data.partition(b"\n")
    want = b"%d %s" % (len(body), hashlib.sha256(body).hexdigest().encode())
    if head != want:
        return "server saw %r, expected %r" % (head[:80], want)
    if rest != pattern(resp, 1):
        return "response: %d bytes, expected %d (or content differs)" % (len(rest), resp)
    return "match %d %d" % (len(body), len(rest))


def client_down(host, port, upload):
    s = socket.create_connection((host, port), timeout=30)
    greeting = recv_all(s)
    if greeting != pattern(GREETING, 2):
        return "greeting: %d bytes, expected %d (or content differs)" % (
            len(greeting), GREETING)
    data = pattern(upload, 4)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    rest = recv_all(s)  # the server closes after reading our FIN
    s.close()
    if rest:
        return "unexpected %d bytes after the greeting" % len(rest)
    return "match %d %s" % (len(data), hashlib.sha256(data).hexdigest())


def main(argv):
    if argv[1] == "serve":
        serve(int(argv[2]), int(argv[3]), argv[4])
        return 0
    try:
        if argv[1] == "up":
            out = client_up(argv[2], int(argv[3]), int(argv[4]), int(argv[5]),
                            "--slow" in argv)
        else:
            out = client_down(argv[2], int(argv[3]), int(argv[4]))
    except OSError as e:
        out = "error: %s" % e
    print(out)
    return 0 if out.startswith("match") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
