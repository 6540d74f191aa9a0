#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""mkpcap.py OUT.pcap N SRC[,SRC...]: N SMTP SYNs (to 198.51.100.25:25),
taking the sources in turn, 1 ms apart, as an Ethernet pcap (us)."""
import socket
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn(src, dst, sport):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, 25, 1000, 0, 5 << 4, 0x02, 64240, 0, 0)
    c = csum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp


def main():
    out, n, srcs = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            fr = syn(srcs[i % len(srcs)], "198.51.100.25", 1024 + i % 60000)
            t = 1700000000 * 1000000 + i * 1000
            f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(fr), len(fr)))
            f.write(fr)


main()
