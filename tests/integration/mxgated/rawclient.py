#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""rawclient.py SOCKET KIND: one hostile client of mxgated's socket.
Exit 0 if the daemon answered as it must: an error reply (status < 0)
for a bad message, or a hang-up for a truncated or stalled one."""
import json
import socket
import struct
import sys
import time

MAGIC, VERSION = 0x444C544D, 1


def hdr(length, magic=MAGIC, version=VERSION, typ=1, seq=7):
    return struct.pack("<IHHII", magic, version, typ, length, seq)


def reply(s):
    s.settimeout(8)
    buf = b""
    while len(buf) < 16:
        c = s.recv(16 - len(buf))
        if not c:
            return None
        buf += c
    magic, ver, typ, length, seq = struct.unpack("<IHHII", buf)
    assert magic == MAGIC and typ == 2, "bad reply header"
    body = b""
    while len(body) < length:
        c = s.recv(length - len(body))
        if not c:
            break
        body += c
    return json.loads(body)


def main():
    path, kind = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    body = b'{"cmd": "status"}'
    if kind == "magic":
        s.sendall(hdr(len(body), magic=0x11223344) + body)
    elif kind == "version":
        s.sendall(hdr(len(body), version=9) + body)
    elif kind == "type":
        s.sendall(hdr(len(body), typ=2) + body)
    elif kind == "oversize":
        s.sendall(hdr(1 << 30))
    elif kind == "notjson":
        s.sendall(hdr(9) + b"not json!")
    elif kind == "array":
        s.sendall(hdr(2) + b"[]")
    elif kind == "nocmd":
        s.sendall(hdr(2) + b"{}")
    elif kind == "unknown":
        b = b'{"cmd": "format-disk"}'
        s.sendall(hdr(len(b)) + b)
    elif kind == "badcidr":
        b = b'{"cmd": "block", "cidr": "300.1.2.3/8"}'
        s.sendall(hdr(len(b)) + b)
    elif kind == "badttl":
        b = b'{"cmd": "block", "cidr": "192.0.2.0/24", "ttl": "soon"}'
        s.sendall(hdr(len(b)) + b)
    elif kind == "truncated":
        s.sendall(hdr(100) + b'{"cmd"')
        s.shutdown(socket.SHUT_WR)
        r = None
        try:
            r = reply(s)
        except OSError:
            pass
        sys.exit(0 if r is None else 1)
    elif kind == "stall":
        s.sendall(hdr(len(body)) + body[:5])
        time.sleep(float(sys.argv[3]) if len(sys.argv) > 3 else 7)
        try:
            r = reply(s)
        except OSError:
            r = None
        sys.exit(0 if r is None else 1)
    r = reply(s)
    print(json.dumps(r))
    sys.exit(0 if r is not None and r.get("status", 0) < 0 else 1)


main()
