#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The JSON Schema and the compiler agree.

usage: policy_schema_check.py SCHEMA MXGATECTL DUMPDIR EXAMPLE...

- the schema is a valid draft 2020-12 schema;
- every example and every good test policy (DUMPDIR/good/*.json)
  validates and passes `mxgatectl check`;
- every bad test policy (DUMPDIR/bad/bad-NNN-WHAT.json) fails
  `mxgatectl check` with exit 1 and prints the errors test_policy_bad
  expects (DUMPDIR/bad/bad-NNN-WHAT.want): the first line's location and
  JSON path, then every line exactly, once "policy.json" is read as the
  dumped file's name and "tests/policy/" as the dump directory (the test
  copies tests/policy/ there, so set files resolve as in the unit test);
- those marked "rejects" are rejected by the schema too, and those marked
  "accepts" (errors beyond a schema: CIDR values, set references, names
  across rules, files, reachability) are accepted by it, so the marks in
  test_policy_bad.c stay true.
"""
import glob
import json
import os
import re
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed (make deps): skipped")
    sys.exit(77)


def load(path):
    with open(path, encoding="utf-8-sig") as f:
        return json.load(f)


# "FILE:LINE:COL: path: " or "SETFILE:LINE: path: ": where an error
# line points, and the JSON path it names.
WHERE = re.compile(r'^(.*?):(\d+)(?::(\d+))?: ((?:[^:"]|"(?:[^"\\]|\\.)*")*?): ')


def where(line):
    m = WHERE.match(line)
    return m.groups() if m else (line,)


def expected_lines(want_path, policy, bad_dir):
    """test_policy_bad's lines, for the dumped file read by mxgatectl."""
    with open(want_path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    out = []
    for line in lines:
        if line.startswith("policy.json:"):
            line = policy + line[len("policy.json"):]
        out.append(line.replace("tests/policy/", bad_dir + "/"))
    return out


def main():
    schema_path, ctl, dump = sys.argv[1:4]
    examples = sys.argv[4:]
    schema = load(schema_path)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    passed = failed = 0

    def result(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL:", what)

    def schema_errors(path):
        try:
            doc = load(path)
        except ValueError as e:
            return ["not JSON: %s" % e]
        return [e.message for e in validator.iter_errors(doc)]

    def check(path):
        return subprocess.run([ctl, "check", path], capture_output=True,
                              text=True)

    for path in examples:
        errs = schema_errors(path)
        result(not errs, "%s: schema rejects an example: %s" % (path, errs[:1]))
        r = check(path)
        result(r.returncode == 0 and r.stdout.startswith("policy OK: "),
               "%s: mxgatectl check: %s%s" % (path, r.stdout, r.stderr))
    goods = sorted(glob.glob(os.path.join(dump, "good", "*.json")))
    for path in goods:
        errs = schema_errors(path)
        result(not errs, "%s: schema rejects a good policy: %s" %
               (path, errs[:1]))
        r = check(path)
        result(r.returncode == 0 and r.stdout.startswith("policy OK: "),
               "%s: mxgatectl check: %s%s" % (path, r.stdout, r.stderr))
    bads = sorted(glob.glob(os.path.join(dump, "bad", "*.json")))
    counts = {"rejects": 0, "accepts": 0, "na": 0}
    bad_dir = os.path.join(dump, "bad")
    for path in bads:
        what = path.rsplit("-", 1)[1][:-len(".json")]
        counts[what] += 1
        r = check(path)
        result(r.returncode == 1 and r.stderr and not r.stdout,
               "%s: mxgatectl check exit %d" % (path, r.returncode))
        want = expected_lines(path[:-len(".json")] + ".want", path,
                              bad_dir)
        got = r.stderr.splitlines()
        result(bool(want) and bool(got) and
               where(got[0]) == where(want[0]),
               "%s: first error at %s, want %s" %
               (path, where(got[0]) if got else None, where(want[0])))
        result(got == want, "%s: errors differ:\n  got:  %s\n  want: %s" %
               (path, "\n        ".join(got), "\n        ".join(want)))
        if what == "rejects":
            result(bool(schema_errors(path)),
                   "%s: the schema accepts it, the compiler does not" % path)
        elif what == "accepts":
            errs = schema_errors(path)
            result(not errs, "%s: marked beyond the schema, but it rejects"
                   " it: %s" % (path, errs[:1]))
    print("schema check: %d examples, %d good policies, %d bad (%d rejected"
          " by the schema too, %d beyond it, %d not for a schema)" %
          (len(examples), len(goods), len(bads), counts["rejects"],
           counts["accepts"], counts["na"]))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not goods or not bads else 0


if __name__ == "__main__":
    sys.exit(main())
