# SPDX-License-Identifier: BSD-3-Clause
"""Capture the OpenVPN UDP datagrams on one interface (for ovpn_capture.sh).

Usage: ovpn_capture_sniff.py IFACE SERVER_PORT OUT_FILE READY_FILE

Opens an AF_PACKET socket on IFACE (run it in the namespace that owns IFACE) and writes one
line per IPv4/UDP datagram to or from SERVER_PORT, flushed at once:

    c2s A.B.C.D:PORT <hex of the UDP payload>  (destination port == SERVER_PORT)
    s2c A.B.C.D:PORT <hex of the UDP payload>  (source port == SERVER_PORT)

A.B.C.D:PORT is the datagram's source (the data path's float check compares it).

Every OpenVPN opcode is written; the caller picks P_DATA_V2. IP fragments are counted, not
reassembled (the test sends small packets). Creates READY_FILE once the socket is bound, and
stops on SIGTERM or SIGINT, printing "captured N datagrams, F fragments skipped" to stderr.
No Scapy: a raw socket is enough and starts in milliseconds.
"""
import select
import signal
import socket
import struct
import sys

ETH_P_ALL = 0x0003
ETH_HLEN = 14
ETH_P_IP = 0x0800

stop = False


def on_signal(signum, frame):
    global stop
    stop = True


def udp_payload(frame, port):
    """(direction, source, payload) of an IPv4/UDP frame to or from port, 'frag', or None."""
    if len(frame) < ETH_HLEN + 20 or struct.unpack_from("!H", frame, 12)[0] != ETH_P_IP:
        return None
    ip = frame[ETH_HLEN:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_UDP or len(ip) < ihl + 8:
        return None
    total = struct.unpack_from("!H", ip, 2)[0]
    if struct.unpack_from("!H", ip, 6)[0] & 0x3FFF:  # MF set or offset != 0
        return "frag"
    sport, dport, ulen = struct.unpack_from("!HHH", ip, ihl)
    if total > len(ip) or ulen < 8 or ihl + ulen > total:
        return None
    data = ip[ihl + 8:ihl + ulen]
    src = "%s:%d" % (socket.inet_ntoa(ip[12:16]), sport)
    if dport == port:
        return ("c2s", src, data)
    if sport == port:
        return ("s2c", src, data)
    return None


def main():
    iface, port, out_path, ready_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.setblocking(False)
    n = frags = 0
    with open(out_path, "w") as out:
        open(ready_path, "w").close()
        while not stop:
            try:
                r, _, _ = select.select([s], [], [], 0.1)
            except InterruptedError:
                continue
            if not r:
                continue
            while True:
                try:
                    frame = s.recv(65535)
                except BlockingIOError:
                    break
                got = udp_payload(frame, port)
                if got == "frag":
                    frags += 1
                elif got is not None:
                    out.write("%s %s %s\n" % (got[0], got[1], got[2].hex()))
                    n += 1
            out.flush()
    print("captured %d datagrams, %d fragments skipped" % (n, frags), file=sys.stderr)


if __name__ == "__main__":
    main()
