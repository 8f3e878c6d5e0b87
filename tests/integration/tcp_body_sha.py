#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""SHA-256 of the first N bytes fasttcp-httpd serves at /bytes/N (apps/fasttcp-httpd/body.h:
byte i = ((i % 2^20) * 7 + ((i % 2^20) >> 11)) & 0xff), streamed in 1 MiB blocks."""
import hashlib
import sys

PERIOD = 1 << 20
block = bytes(((j * 7 + (j >> 11)) & 0xFF) for j in range(PERIOD))
n = int(sys.argv[1])
h = hashlib.sha256()
full, rest = divmod(n, PERIOD)
for _ in range(full):
    h.update(block)
h.update(block[:rest])
print(h.hexdigest())
