#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Shared helpers for the integration scripts (no Scapy needed here).

As a module: Telemetry (a client of a fasttcp process's DPDK telemetry socket) and ip_csum().
As a command (used by lib.sh):
    ftit.py tel PREFIX CMD      print the JSON value of a telemetry command
    ftit.py jget JSON KEY       print one field of a JSON object (strings without quotes)

The telemetry socket is a pathname Unix socket, so it can be reached from inside a network
namespace (ip netns exec changes the network namespace, not the file system).
"""
import json
import os
import socket
import sys
import time

RUNTIME_DIR = "/var/run/dpdk"


def tel_path(prefix):
    """Telemetry socket of the DPDK process started with --file-prefix PREFIX (as root)."""
    return os.path.join(RUNTIME_DIR, prefix, "dpdk_telemetry.v2")


class Telemetry:
    """One connection to a DPDK telemetry v2 socket; query() returns the command's value."""

    def __init__(self, prefix_or_path):
        path = prefix_or_path if "/" in prefix_or_path else tel_path(prefix_or_path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.connect(path)
        info = json.loads(self.sock.recv(4096).decode())
        self.max_len = int(info.get("max_output_len", 16384))

    def query(self, cmd):
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(self.max_len).decode())
        return reply[cmd.split(",")[0]]

    def drops(self):
        return self.query("/fasttcp/drops")

    def stats(self):
        return self.query("/fasttcp/stats")

    def wait_for(self, cmd, key, target, timeout_s):
        """Poll until query(cmd)[key] >= target or the timeout passes; return the last value."""
        end = time.monotonic() + timeout_s
        while True:
            v = self.query(cmd)[key]
            if v >= target or time.monotonic() >= end:
                return v
            time.sleep(0.01)

    def close(self):
        self.sock.close()


def ip_csum(data):
    """Internet checksum (RFC 1071) of bytes, as the value to store in a header."""
    if len(data) % 2:
        data += b"\0"
    s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def main(argv):
    if len(argv) == 4 and argv[1] == "tel":
        try:
            t = Telemetry(argv[2])
            print(json.dumps(t.query(argv[3])))
            t.close()
        except (OSError, ValueError, KeyError) as e:
            print("telemetry %s %s: %s" % (argv[2], argv[3], e), file=sys.stderr)
            return 1
        return 0
    if len(argv) == 4 and argv[1] == "jget":
        try:
            v = json.loads(argv[2]).get(argv[3], "")
        except (ValueError, AttributeError):
            return 1
        print(v if isinstance(v, str) else json.dumps(v))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
