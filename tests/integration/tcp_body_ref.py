#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Reference SHA-256 of fasttcp-httpd's generated bodies, for tcp_linux.sh.

Byte i of every /bytes/N body is ((i % 2^20) * 7 + ((i % 2^20) >> 11)) & 0xff
(apps/fasttcp-httpd/body.h), so the body is a 1 MiB block repeated. The digests of several
lengths are computed in one streaming pass (a copy of the running hash is taken at each
requested length); nothing larger than the 1 MiB block is held in memory.

    tcp_body_ref.py N [N...]     print "N sha256hex" for each N, in the order given
"""
import hashlib
import sys

PERIOD = 1 << 20


def block():
    return bytes(((j * 7 + (j >> 11)) & 0xff) for j in range(PERIOD))


def digests(lengths):
    blk = block()
    h = hashlib.sha256()
    done = 0
    out = {}
    for n in sorted(set(lengths)):
        while done < n:
            off = done % PERIOD
            take = min(PERIOD - off, n - done)
            h.update(blk[off:off + take] if off or take != PERIOD else blk)
            done += take
        out[n] = h.copy().hexdigest()
    return out


def main(argv):
    try:
        lengths = [int(a) for a in argv[1:]]
    except ValueError:
        lengths = []
    if not lengths or min(lengths) < 0:
        print(__doc__, file=sys.stderr)
        return 2
    d = digests(lengths)
    for n in lengths:
        print(n, d[n])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
