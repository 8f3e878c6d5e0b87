# SPDX-License-Identifier: BSD-3-Clause
"""Data-channel keys of a real openvpn 2.6 session, for ovpn_capture.sh.

Usage: ovpn_capture_keys.py CIPHER CLIENT_LOG SERVER_LOG KEY2_OUT [KEYLOG]

Reads the logs of an openvpn client and server run with --verb 9 and rebuilds the 256-byte
key2 block (openvpn-protocol.md §4.1) from what they printed:

  verb 7  "Outgoing Data Channel: CIPHER KEY: ..."   this side's encrypt key
          "Incoming Data Channel: CIPHER KEY: ..."   this side's decrypt key
  verb 9  "ENCRYPT IV: <pid> <tail>" / "DECRYPT IV: <pid> <tail>"   the 12-byte nonce of
          each packet: the packet id, then the 8-byte implicit IV of the sending direction

For AEAD ciphers openvpn prints no "HMAC KEY" line (the hmac slot only holds the implicit IV,
which nothing prints at setup), so the IVs come from the per-packet lines. key2 gets the
client's Outgoing key at [0..), its ENCRYPT tail at [64..72), the server's Outgoing key at
[128..) and its ENCRYPT tail at [192..200); the other bytes stay zero. It is written to
KEY2_OUT as hex.

If KEYLOG is given (NSS key log lines from the client's TLS library, see ovpn_capture.sh), the
full key2 is also computed independently as openvpn does it (§4.2): the TLS 1.3 exporter
(RFC 8446 §7.5) with label "EXPORTER-OpenVPN-datakeys", no context, 256 bytes, from the
EXPORTER_SECRET line; its key and IV slices must equal the logged ones.

Output: TAP-style "ok - " / "not ok - " lines (lib.sh tap_run counts them).
"""
import hashlib
import hmac
import re
import sys

KEY_LEN = {"AES-128-GCM": 16, "AES-192-GCM": 24, "AES-256-GCM": 32, "CHACHA20-POLY1305": 32}
EKM_LABEL = b"EXPORTER-OpenVPN-datakeys"

failed = 0


def ok(desc):
    print("ok - " + desc)


def not_ok(desc, *details):
    global failed
    failed += 1
    print("not ok - " + desc)
    for d in details:
        print("#   " + d)


def hexwords(s):
    return bytes.fromhex(s.replace(" ", ""))


def parse_log(path):
    """{cipher, enc_key, dec_key, enc_tails, dec_tails} of one openvpn log."""
    r = {"cipher": set(), "enc_key": set(), "dec_key": set(), "enc_tails": set(),
         "dec_tails": set()}
    key_re = re.compile(r"(Outgoing|Incoming) Data Channel: CIPHER KEY: ([0-9a-f ]+)$")
    name_re = re.compile(r"(Outgoing|Incoming) Data Channel: Cipher '([^']+)' initialized")
    iv_re = re.compile(r"(ENCRYPT|DECRYPT) IV: ([0-9a-f]{8}) ([0-9a-f]{8}) ([0-9a-f]{8})$")
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = key_re.search(line)
            if m:
                r["enc_key" if m.group(1) == "Outgoing" else "dec_key"].add(hexwords(m.group(2)))
                continue
            m = name_re.search(line)
            if m:
                r["cipher"].add(m.group(2))
                continue
            m = iv_re.search(line)
            if m:
                tail = hexwords(m.group(3) + m.group(4))
                r["enc_tails" if m.group(1) == "ENCRYPT" else "dec_tails"].add(tail)
    return r


def one(log, field, what):
    vals = log[field]
    if len(vals) != 1:
        raise ValueError("%s: expected one value, found %d" % (what, len(vals)))
    return next(iter(vals))


def tls13_exporter(secret, label, context, length):
    """RFC 8446 §7.5 TLS-Exporter over an EXPORTER_SECRET (hash chosen by its length)."""
    h = hashlib.sha384 if len(secret) == 48 else hashlib.sha256

    def expand_label(sec, lab, ctx, n):
        lab = b"tls13 " + lab
        info = n.to_bytes(2, "big") + bytes([len(lab)]) + lab + bytes([len(ctx)]) + ctx
        out, t, i = b"", b"", 1
        while len(out) < n:  # RFC 5869 HKDF-Expand
            t = hmac.new(sec, t + info + bytes([i]), h).digest()
            out += t
            i += 1
        return out[:n]

    derived = expand_label(secret, label, h(b"").digest(), h().digest_size)
    return expand_label(derived, b"exporter", h(context).digest(), length)


def exporter_secret(path):
    secrets = set()
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 3 and p[0] == "EXPORTER_SECRET":
                secrets.add(bytes.fromhex(p[2]))
    if len(secrets) != 1:
        raise ValueError("expected one EXPORTER_SECRET line, found %d" % len(secrets))
    return next(iter(secrets))


def main():
    cipher, cli_path, srv_path, out_path = sys.argv[1:5]
    keylog = sys.argv[5] if len(sys.argv) > 5 else None
    klen = KEY_LEN[cipher]
    cli, srv = parse_log(cli_path), parse_log(srv_path)

    try:
        c2s_key, s2c_key = one(cli, "enc_key", "client Outgoing key"), one(cli, "dec_key",
                                                                           "client Incoming key")
        names = cli["cipher"] | srv["cipher"]
        if names != {cipher} or len(c2s_key) != klen or len(s2c_key) != klen:
            raise ValueError("cipher %s, key lengths %d/%d" % (sorted(names), len(c2s_key),
                                                              len(s2c_key)))
        ok("%s: openvpn logged both data-channel keys (verb 7 'Data Channel: CIPHER KEY')"
           % cipher)
    except ValueError as e:
        not_ok("%s: openvpn logged both data-channel keys" % cipher, str(e))
        return 1

    try:
        c2s_tail = one(cli, "enc_tails", "client ENCRYPT IV tail")
        s2c_tail = one(srv, "enc_tails", "server ENCRYPT IV tail")
        ok("%s: implicit IVs logged (verb 9 'ENCRYPT IV' = packet id || one 8-byte tail per "
           "direction)" % cipher)
    except ValueError as e:
        not_ok("%s: implicit IVs logged" % cipher, str(e))
        return 1

    agree = (srv["enc_key"] == {s2c_key} and srv["dec_key"] == {c2s_key}
             and cli["dec_tails"] <= {s2c_tail} and srv["dec_tails"] <= {c2s_tail})
    if agree:
        ok("%s: client and server logs agree (each side's Outgoing key/IV is the other's "
           "Incoming)" % cipher)
    else:
        not_ok("%s: client and server logs agree" % cipher,
               "server enc %s dec %s" % (srv["enc_key"], srv["dec_key"]))

    key2 = bytearray(256)
    key2[0:klen] = c2s_key
    key2[64:72] = c2s_tail
    key2[128:128 + klen] = s2c_key
    key2[192:200] = s2c_tail
    with open(out_path, "w") as f:
        f.write(key2.hex() + "\n")

    if keylog is not None:
        try:
            ekm = tls13_exporter(exporter_secret(keylog), EKM_LABEL, b"", 256)
        except (OSError, ValueError) as e:
            not_ok("%s: TLS exporter secret from the key log" % cipher, str(e))
            return 1
        same = all(ekm[a:b] == key2[a:b] for a, b in
                   ((0, klen), (64, 72), (128, 128 + klen), (192, 200)))
        if same:
            ok("%s: key2 from the TLS 1.3 exporter '%s' (§4.2) matches the logged keys and "
               "IVs at the §4.1 offsets" % (cipher, EKM_LABEL.decode()))
        else:
            not_ok("%s: key2 from the TLS exporter matches the logged keys" % cipher,
                   "exporter key2 %s" % ekm.hex(), "logged key2   %s" % key2.hex())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
