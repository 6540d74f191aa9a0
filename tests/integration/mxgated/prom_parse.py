#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A strict parser of the Prometheus text exposition format (0.0.4).

prom_parse.py PAGE [CHECK...]: parse PAGE or exit 1 naming the bad line;
then each CHECK 'NAME{LABELS} OP VALUE' (OP: == >= > <=) must hold.
prom_parse.py --names PAGE: print the metric family names.
prom_parse.py --dashboard DASHBOARD.json PAGE: every metric name the
dashboard's queries use is exported in PAGE.

Strict: every sample's family has one # TYPE before its samples, names
match [a-zA-Z_:][a-zA-Z0-9_:]*, labels are name="escaped value" with no
duplicates, values are floats (or +Inf/-Inf/NaN), counters end in _total,
no sample (name + labels) appears twice, families are not interleaved.
"""
import json
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*$")
LNAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def fail(n, line, why):
    sys.exit("prom_parse: line %d: %s: %r" % (n, why, line))


def parse_labels(s, n, line):
    labels, i = {}, 0
    while i < len(s):
        m = re.match(r'([a-zA-Z_][a-zA-Z0-9_]*)="', s[i:])
        if not m:
            fail(n, line, "bad label")
        name, i, val = m.group(1), i + m.end(), ""
        while True:
            if i >= len(s):
                fail(n, line, "unterminated label value")
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt not in ('"', "\\", "n"):
                    fail(n, line, "bad escape")
                val += {"n": "\n"}.get(nxt, nxt)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                fail(n, line, "newline in label value")
            else:
                val += c
                i += 1
        if name in labels:
            fail(n, line, "duplicate label")
        labels[name] = val
        if i < len(s):
            if s[i] != ",":
                fail(n, line, "expected ','")
            i += 1
    return labels


def parse(text):
    types, samples, seen_fam, cur = {}, {}, set(), None
    if text and not text.endswith("\n"):
        fail(0, "", "page does not end with a newline")
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if not line:
            continue
        if line.startswith("#"):
            p = line.split(" ", 3)
            if len(p) >= 3 and p[1] in ("HELP", "TYPE"):
                if not NAME.match(p[2]):
                    fail(n, line, "bad metric name")
                if p[1] == "TYPE":
                    if len(p) != 4 or p[3] not in TYPES:
                        fail(n, line, "bad TYPE")
                    if p[2] in types:
                        fail(n, line, "second TYPE")
                    if p[2] in seen_fam:
                        fail(n, line, "TYPE after samples")
                    types[p[2]] = p[3]
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$", line)
        if not m:
            fail(n, line, "bad sample line")
        name, labels = m.group(1), parse_labels(m.group(3) or "", n, line)
        try:
            v = float(m.group(4))
        except ValueError:
            fail(n, line, "bad value")
        if m.group(4).lower() in ("inf", "nan") or (
                not re.match(r"^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+|Inf|NaN)$", m.group(4))):
            fail(n, line, "bad value syntax")
        if name not in types:
            fail(n, line, "sample without a TYPE")
        if types[name] == "counter" and not name.endswith("_total"):
            fail(n, line, "counter not named *_total")
        if types[name] == "counter" and v < 0:
            fail(n, line, "negative counter")
        if cur != name and name in seen_fam:
            fail(n, line, "family interleaved")
        cur = name
        seen_fam.add(name)
        key = (name, tuple(sorted(labels.items())))
        if key in samples:
            fail(n, line, "duplicate sample")
        samples[key] = v
    return types, samples


def value(samples, spec):
    m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?$", spec)
    labels = parse_labels(m.group(3) or "", 0, spec)
    return samples.get((m.group(1), tuple(sorted(labels.items()))))


def main():
    a = sys.argv[1:]
    if a and a[0] == "--names":
        types, _ = parse(open(a[1]).read())
        print("\n".join(sorted(types)))
        return
    if a and a[0] == "--dashboard":
        dash = json.load(open(a[1]))
        types, _ = parse(open(a[2]).read())
        exprs = []

        def walk(o):
            if isinstance(o, dict):
                for k, v in o.items():
                    if k == "expr" and isinstance(v, str):
                        exprs.append(v)
                    else:
                        walk(v)
            elif isinstance(o, list):
                for v in o:
                    walk(v)
        walk(dash)
        if not exprs:
            sys.exit("prom_parse: the dashboard has no queries")
        missing = set()
        for e in exprs:
            for name in re.findall(r"\b(mxgate_[a-zA-Z0-9_:]*)", e):
                if name not in types:
                    missing.add(name)
        if missing:
            sys.exit("prom_parse: dashboard uses unexported metrics: " +
                     ", ".join(sorted(missing)))
        print("dashboard: %d queries, every metric exported" % len(exprs))
        return
    _, samples = parse(open(a[0]).read())
    bad = 0
    for chk in a[1:]:
        spec, op, want = chk.rsplit(" ", 2)
        v = value(samples, spec)
        ok = v is not None and {"==": v == float(want), ">=": v >= float(want),
                                ">": v > float(want), "<=": v <= float(want)}[op]
        if not ok:
            print("prom_parse: %s is %s, expected %s %s" % (spec, v, op, want))
            bad = 1
    sys.exit(bad)


main()
