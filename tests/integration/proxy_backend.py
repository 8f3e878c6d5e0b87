#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""HTTP backend for proxy.sh: Python's threaded http.server with what the test needs.

    proxy_backend.py PORT NAME DIR

Serves the files of DIR on 0.0.0.0:PORT (HTTP/1.1, keep-alive; HTTP/1.0 requests get
HTTP/1.0 behaviour) with a thread per connection, like `python3 -m http.server`, but:
  - the listen backlog is 4096 (http.server's is 5: SYN bursts of 1000 connections would be
    dropped by the kernel and retried only after a second);
  - every response carries "X-Backend: NAME", so a client can tell which backend served it;
  - GET /delay/MS answers after MS milliseconds (requests in flight when a backend dies);
  - no access log (it would cost more than the requests), no tracebacks for connections
    reset by the other side.
Prints "listening" once the socket is bound.
"""
import http.server
import socketserver
import sys
import time


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    backend_name = "?"

    def end_headers(self):
        self.send_header("X-Backend", self.backend_name)
        super().end_headers()

    def do_GET(self):
        if self.path.startswith("/delay/"):
            time.sleep(int(self.path[7:]) / 1000.0)
            body = b"delayed\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, fmt, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 4096
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # resets and broken pipes are part of the test (clients and proxy abort)


def main(argv):
    port, name, root = int(argv[1]), argv[2], argv[3]
    Handler.backend_name = name

    def handler(*a, **kw):
        return Handler(*a, directory=root, **kw)

    srv = Server(("0.0.0.0", port), handler)
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    socketserver.TCPServer.allow_reuse_address = True
    sys.exit(main(sys.argv))
