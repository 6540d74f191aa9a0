#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""N appliances behind ECMP, proved by replay (hw/README.md, "N appliances
behind ECMP").

Splits a capture (classic pcap, Ethernet) the way a router hashing on the
source address only would (CRC-32 of the source address bytes, mod N),
replays the whole capture on one box and each part on its own box with
mxgate-replay, merges the parts' verdicts and compares them with the one
box's, per rule and per source. Then it models the BGP sharing of
mxgated (test_mxgated_bgp.sh): when a box first drops an attempt from a
prefix by a per-prefix rule, it blocks that prefix and every box applies
the block SHARE_DELAY seconds later; the attempts the prefix still gets
through are counted again.

With --box-policy BOXPOL, each of the N boxes runs BOXPOL instead of
POLICY (POLICY with "ecmp_share": N, which divides the global and per-dst
limits by N): the passes of the N boxes together are then compared with
the one box's running POLICY.

usage: ecmp_proof.py REPLAY POLICY CAPTURE N WORKDIR [--share-delay S]
       [--box-policy BOXPOL] [--json OUT]
Prints a report; exits 0 (the checks are the caller's: see --json).
"""
import ipaddress
import json
import struct
import subprocess
import sys
import zlib
from collections import Counter, defaultdict


def frames(path):
    with open(path, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            end = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            end = ">"
        else:
            sys.exit("ecmp_proof: %s: not a classic pcap" % path)
        linktype = struct.unpack(end + "I", head[20:24])[0]
        if linktype != 1:
            sys.exit("ecmp_proof: %s: Ethernet captures only" % path)
        yield head
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            incl = struct.unpack(end + "I", rec[8:12])[0]
            data = f.read(incl)
            yield rec + data


def source(frame):
    """The source address bytes of an IPv4/IPv6 frame (VLAN tags skipped),
    or b"" (such frames go to box 0)."""
    p = frame[16:]
    off = 12
    while len(p) >= off + 2:
        et = struct.unpack(">H", p[off:off + 2])[0]
        if et in (0x8100, 0x88A8):
            off += 4
            continue
        if et == 0x0800 and len(p) >= off + 2 + 20:
            return p[off + 2 + 12:off + 2 + 16]
        if et == 0x86DD and len(p) >= off + 2 + 40:
            return p[off + 2 + 8:off + 2 + 24]
        return b""
    return b""


def split(capture, n, workdir):
    outs = [open("%s/box%d.pcap" % (workdir, i), "wb") for i in range(n)]
    it = frames(capture)
    head = next(it)
    for o in outs:
        o.write(head)
    for fr in it:
        s = source(fr)
        outs[zlib.crc32(s) % n if s else 0].write(fr)
    for o in outs:
        o.close()
    return ["%s/box%d.pcap" % (workdir, i) for i in range(n)]


def replay(tool, policy, capture, verdicts):
    out = subprocess.run([tool, "--policy", policy, "--verdicts", verdicts,
                          "--verdicts-max", "0", capture],
                         check=True, capture_output=True, text=True).stdout
    summary = json.loads(out)
    vs = []
    with open(verdicts) as f:
        for line in f:
            v = json.loads(line)
            if "src" in v:
                vs.append(v)
    return summary, vs


def prefix_of(src, rules):
    a = ipaddress.ip_address(src)
    plen = rules["v4"] if a.version == 4 else rules["v6"]
    return str(ipaddress.ip_network("%s/%d" % (src, plen), strict=False))


def main():
    args = sys.argv[1:]
    delay, jout, box_policy = 2.0, None, None
    if "--box-policy" in args:
        i = args.index("--box-policy")
        box_policy = args[i + 1]
        del args[i:i + 2]
    if "--share-delay" in args:
        i = args.index("--share-delay")
        delay = float(args[i + 1])
        del args[i:i + 2]
    if "--json" in args:
        i = args.index("--json")
        jout = args[i + 1]
        del args[i:i + 2]
    if len(args) != 5:
        sys.exit(__doc__)
    tool, policy, capture, n, work = args[0], args[1], args[2], int(args[3]), args[4]
    pol = json.load(open(policy))
    per_prefix = [r["name"] for r in pol["rules"]
                  if r.get("limit", {}).get("per") == "prefix"]
    plens = {"v4": 24, "v6": 48}
    for r in pol["rules"]:
        if r.get("limit", {}).get("per") == "prefix":
            plens = {"v4": r["limit"].get("ipv4_prefix", 24),
                     "v6": r["limit"].get("ipv6_prefix", 48)}

    one_sum, one = replay(tool, policy, capture, work + "/one.jsonl")
    parts = split(capture, n, work)
    merged = []
    box_of = {}
    for i, p in enumerate(parts):
        _, vs = replay(tool, box_policy or policy, p,
                       "%s/box%d.jsonl" % (work, i))
        for v in vs:
            box_of[v["src"]] = i
        merged.extend(vs)
    merged.sort(key=lambda v: (v["ts"], v["src"]))

    def per_rule(vs):
        c = Counter()
        for v in vs:
            if v["verdict"] != "pass":
                c[v["rule"]] += 1
        return c

    def per_source(vs, rule=None):
        c = defaultdict(lambda: [0, 0])
        for v in vs:
            if rule is None or v["rule"] == rule or v["verdict"] == "pass":
                c[v["src"]][0 if v["verdict"] == "pass" else 1] += 1
        return c

    r1, rn = per_rule(one), per_rule(merged)
    report = {"boxes": n, "attempts": len(one), "rules": {}}
    print("ECMP on the source address, %d boxes, %d attempts (%s)"
          % (n, len(one), capture))
    if box_policy:
        print("one box runs %s, each of the %d boxes %s" % (policy, n,
                                                             box_policy))
    passes = {"one": sum(1 for v in one if v["verdict"] == "pass"),
              "split": sum(1 for v in merged if v["verdict"] == "pass")}
    report["passes"] = passes
    report["duration"] = (one[-1]["ts"] - one[0]["ts"]) if one else 0.0
    print("passes: 1 box %d, %d boxes together %d, over %.1f s"
          % (passes["one"], n, passes["split"], report["duration"]))
    print("%-16s %12s %12s" % ("rule", "1 box drops", "%d boxes" % n))
    for name in [r["name"] for r in pol["rules"]]:
        print("%-16s %12d %12d" % (name, r1[name], rn[name]))
        report["rules"][name] = {"one": r1[name], "split": rn[name]}

    # BGP sharing: a per-prefix drop blocks the prefix on every box
    # 'delay' seconds later
    over, first_drop = set(), {}
    for v in one + merged:
        if v["verdict"] != "pass" and v["rule"] in per_prefix:
            over.add(prefix_of(v["src"], plens))
    for v in merged:  # in time order
        if v["verdict"] != "pass" and v["rule"] in per_prefix:
            first_drop.setdefault(prefix_of(v["src"], plens), v["ts"])

    # per-host rules: each source lands on one box, so the verdicts of a
    # source whose prefix no per-prefix rule dropped are the one box's
    s1, sn = per_source(one), per_source(merged)
    alone = [s for s in s1 if prefix_of(s, plens) not in over]
    same = sum(1 for s in alone if s1[s] == sn.get(s))
    report["sources"] = len(alone)
    report["sources_same"] = same
    print("sources outside the prefixes over a per-prefix limit with the "
          "same passes and drops on one box and split: %d of %d"
          % (same, len(alone)))
    prefixes = {}
    for name, vs in (("one", one), ("split", merged)):
        c = Counter()
        for v in vs:
            p = prefix_of(v["src"], plens)
            if p in first_drop and v["verdict"] == "pass":
                c[p] += 1
        prefixes[name] = c
    shared = Counter()
    for v in merged:
        p = prefix_of(v["src"], plens)
        if p in first_drop and v["verdict"] == "pass" and \
                v["ts"] < first_drop[p] + delay:
            shared[p] += 1
    report["prefixes"] = {}
    print("prefixes over a per-prefix limit (passes: 1 box | %d boxes | "
          "%d boxes + BGP sharing after %.1f s):" % (n, n, delay))
    for p in sorted(first_drop):
        boxes = len({box_of[v["src"]] for v in merged
                     if prefix_of(v["src"], plens) == p})
        print("  %-20s on %d boxes: %6d | %6d | %6d" % (
            p, boxes, prefixes["one"][p], prefixes["split"][p], shared[p]))
        report["prefixes"][p] = {"boxes": boxes, "one": prefixes["one"][p],
                                 "split": prefixes["split"][p],
                                 "shared": shared[p]}
    if jout:
        json.dump(report, open(jout, "w"), indent=1)


if __name__ == "__main__":
    main()
