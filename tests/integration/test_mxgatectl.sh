#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# mxgatectl check: exit codes and output (DESIGN §4). Every example passes
# with its rule and prefix counts; a bad policy gives exit 1 and its error
# lines on stderr; usage errors give exit 2 and a one-line usage message.
set -uo pipefail
cd "$(dirname "$0")/../.."
ctl=${BUILD:-build}/bin/mxgatectl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/lib/check.sh

# expect NAME STATUS STDOUT STDERR -- ARGS...: exact stdout, stderr.
expect() {
	local name=$1 status=$2 want_out=$3 want_err=$4
	shift 5
	"$ctl" "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" = "$status" ] && [ "$(cat "$tmp/out")" = "$want_out" ] &&
		[ "$(cat "$tmp/err")" = "$want_err" ]; then
		ok "$name"
	else
		bad "$name: exit $rc (want $status)"
		echo "  stdout: $(cat "$tmp/out")"
		echo "  stderr: $(cat "$tmp/err")"
	fi
}

e=control/examples
expect "default.json" 0 "policy OK: 5 rules, 10 prefixes" "" -- check $e/default.json
expect "isp-egress.json" 0 "policy OK: 6 rules, 8 prefixes" "" -- check $e/isp-egress.json
expect "monitor.json" 0 "policy OK: 4 rules, 5 prefixes" "" -- check $e/monitor.json
expect "drop-list.json" 0 "policy OK: 2 rules, 9 prefixes" "" -- check $e/drop-list.json

cat >"$tmp/bad.json" <<'POLICY'
{
  "version": 1,
  "rules": [
    {"name": "per-host", "limit": {"rate": "20/mn", "burst": 10}},
    {"name": "per-host", "src": "192.0.2.1/24", "action": "deny"}
  ]
}
POLICY
expect "bad policy" 1 "" \
"$tmp/bad.json:4:44: rules[0].limit.rate: expected \"N/s\", \"N/min\" or \"N/h\", got \"20/mn\"
$tmp/bad.json:5:14: rules[1].name: duplicate rule name \"per-host\" (first at rules[0], 4:14)
$tmp/bad.json:5:33: rules[1].src: bad CIDR \"192.0.2.1/24\": host bits set: 0.0.0.1 is past the /24; did you mean 192.0.2.0/24?" \
	-- check "$tmp/bad.json"
expect "missing policy" 1 "" \
	"$tmp/none.json:1:1: (root): cannot read the policy: No such file or directory" \
	-- check "$tmp/none.json"

# More errors than are kept: the rest are counted.
{
	echo '{"version": 1,'
	for i in $(seq 1 120); do echo "\"k$i\": 0,"; done
	echo '"rules": [{"name": "r", "action": "deny", "dst_port": [25]}]}'
} >"$tmp/many.json"
"$ctl" check "$tmp/many.json" >/dev/null 2>"$tmp/err"
if [ $? = 1 ] && [ "$(wc -l <"$tmp/err")" = 101 ] &&
	[ "$(tail -1 "$tmp/err")" = "$tmp/many.json: 20 more errors not shown" ]; then
	ok "error cap"
else
	bad "error cap: $(tail -1 "$tmp/err")"
fi

usage="usage: mxgatectl <verb> [args]  (mxgatectl --help lists verbs)"
expect "no verb" 2 "" "$usage" --
expect "check without a policy" 2 "" "usage: mxgatectl check POLICY" -- check
expect "check with two policies" 2 "" "usage: mxgatectl check POLICY" -- check a b
expect "unknown verb" 2 "" "mxgatectl: unknown verb \"chek\"; $usage" -- chek x
"$ctl" --help >"$tmp/out" 2>&1
if [ $? = 0 ] && grep -q '^  check  POLICY' "$tmp/out"; then
	ok "--help"
else
	bad "--help"
fi
finish
