#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# mxgate-scenario and mxgate-badpcap from the outside. First the command
# line: exit statuses, one-line errors, --help. Then the captures read
# back by tshark, a pcap/pcapng reader independent of libpcap's: frame
# and SMTP SYN counts against the manifest, nanosecond timestamps,
# checksums, every format and link type, the hostile files.
# Exits 77 (skipped) after the command-line checks if tshark is missing.
set -u
cd "$(dirname "$0")/../.."

S=build/tools/mxgate-scenario
BAD=build/tools/mxgate-badpcap
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/lib/check.sh

# A top-level number of a manifest (cJSON prints "\t"key":\tvalue").
mval() { sed -n "s/^\t\"$2\":\t\([0-9.]*\),\{0,1\}$/\1/p" "$1" | head -1; }

for b in "$S" "$BAD"; do
	[ -x "$b" ] || { echo "FAIL: $b not built"; exit 1; }
done

# --- command line ----------------------------------------------------

"$S" --help >"$tmp/help" 2>&1
check "--help exits 0" [ $? -eq 0 ]
for w in legit flood botnet24 v6rotate spoofed vlan fragments noise \
	truncated demo demo-small --format --linktype --manifest; do
	grep -q -- "$w" "$tmp/help" || bad "--help does not mention $w"
done

bad_args=(
	""
	"flood"
	"nosuch $tmp/x.pcap"
	"flood rate=fast $tmp/x.pcap"
	"flood nokey=1 $tmp/x.pcap"
	"--format pcapx flood $tmp/x.pcap"
	"--linktype ppp flood $tmp/x.pcap"
	"--seed x flood $tmp/x.pcap"
)
for a in "${bad_args[@]}"; do
	# shellcheck disable=SC2086
	"$S" $a >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] ||
		! grep -q '^mxgate-scenario: ' "$tmp/err" || [ -s "$tmp/out" ]; then
		bad "\"$a\": exit $rc, stderr: $(cat "$tmp/err")"
	fi
done
[ -e "$tmp/x.pcap" ] && bad "a rejected command wrote its output"
ok "bad arguments: exit 2 with one line on stderr"

"$S" flood duration=1 /nonexistent/x.pcap 2>/dev/null
check "unwritable output exits 1" [ $? -eq 1 ]

"$BAD" nosuch "$tmp/b.pcap" 2>"$tmp/err"
check "badpcap: unknown kind exits 2" [ $? -eq 2 ]
check "badpcap: --all writes every kind" "$BAD" --all "$tmp"
check "badpcap: as many files as kinds" \
	[ "$(ls "$tmp"/*.pcap* | wc -l)" -eq "$("$BAD" --list | wc -l)" ]

"$S" - flood duration=1 rate=10 - >"$tmp/stdout.pcap" 2>/dev/null
check "\"-\" as a scenario list is rejected" [ $? -eq 2 ]
"$S" flood duration=1 rate=10 - >"$tmp/stdout.pcap"
check "OUT \"-\" writes to stdout" [ "$(stat -c %s "$tmp/stdout.pcap")" -eq $((24 + 10 * (16 + 54))) ]

"$S" --manifest "$tmp/demo.json" demo "$tmp/demo.pcap"
check "demo preset is under 5 MB" [ "$(stat -c %s "$tmp/demo.pcap")" -lt 5000000 ]

if ! command -v tshark >/dev/null; then
	echo "tshark is not installed: skipping the tshark checks"
	[ $fails -eq 0 ] || finish
	skip "needs tshark (make deps)"
fi

# --- tshark ------------------------------------------------------------

ts() { tshark -n "$@" 2>/dev/null; }
syn_filter='tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport in {25, 465, 587}'
bad_sums='ip.checksum.status=="Bad" || tcp.checksum.status=="Bad" ||
	udp.checksum.status=="Bad" || icmp.checksum.status=="Bad" ||
	icmpv6.checksum.status=="Bad"'
# Without fragments and malformed frames, tshark's view of an attempt
# is the same as the parser's.
mix="legit,flood,botnet24,v6rotate,spoofed,vlan,noise"
mix_params="duration=3 legit.rate=1/s flood.rate=40/s botnet24.hosts=30
	botnet24.rate=1/s spoofed.rate=30/s vlan.rate=2/s"

# One tshark pass per file: time, SYN, ACK, destination port, sources.
for v in pcap/eth pcap-ns/eth pcapng/eth pcapng/sll pcapng/sll2 pcapng/raw; do
	fmt=${v%/*}
	lt=${v#*/}
	f="$tmp/mix-$lt.$fmt"
	# shellcheck disable=SC2086
	"$S" --format "$fmt" --linktype "$lt" --manifest "$f.json" \
		"$mix" $mix_params "$f" || bad "$v: generate"
	ts -r "$f" -T fields -E separator=, -e frame.time_epoch \
		-e tcp.flags.syn -e tcp.flags.ack -e tcp.dstport -e ip.src \
		-e ipv6.src >"$f.fields"
	cut -d, -f1 "$f.fields" >"$f.times"
	awk -F, '$2 == 1 && $3 == 0 && ($4 == 25 || $4 == 465 || $4 == 587) {
		print $5 $6 }' "$f.fields" | sort >"$f.syns"
	frames=$(wc -l <"$f.fields")
	syns=$(wc -l <"$f.syns")
	if [ "$frames" -ne "$(mval "$f.json" frames)" ] ||
		[ "$syns" -ne "$(mval "$f.json" attempts)" ]; then
		bad "$v: tshark reads $frames frames, $syns SMTP SYNs;" \
			"manifest: $(mval "$f.json" frames), $(mval "$f.json" attempts)"
	else
		ok "$v: tshark agrees with the manifest: $frames frames, $syns SMTP SYNs"
	fi
done
for lt in sll sll2 raw; do
	check "$lt: the same SMTP SYN sources as Ethernet" \
		cmp -s "$tmp/mix-eth.pcapng.syns" "$tmp/mix-$lt.pcapng.syns"
done
check "pcap-ns and pcapng timestamps are identical" \
	cmp -s "$tmp/mix-eth.pcap-ns.times" "$tmp/mix-eth.pcapng.times"
check "pcap timestamps are the nanoseconds truncated" \
	cmp -s "$tmp/mix-eth.pcap.times" \
	<(sed 's/\(\.[0-9]\{6\}\)[0-9]*$/\1000/' "$tmp/mix-eth.pcapng.times")
check "nanosecond timestamps have sub-microsecond digits" \
	grep -q '[1-9]$' "$tmp/mix-eth.pcapng.times"

"$S" --format pcapng --linktype sll2 legit,noise,vlan,fragments duration=5 \
	"$tmp/sums.pcapng"
ts -r "$tmp/sums.pcapng" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
	-o udp.check_checksum:TRUE -T fields -E 'separator=|' \
	-e ip.checksum.status -e tcp.checksum.status -e udp.checksum.status \
	-e icmp.checksum.status -e icmpv6.checksum.status \
	-e smtp.req.command -e ieee8021ad.id -e vlan.id >"$tmp/sums.fields"
# checksum status: 0 bad, 1 good, 2 not verified
check "every checksum holds (fragments reassembled)" \
	[ "$(cut -d'|' -f1-5 "$tmp/sums.fields" | grep -c '\(^\||\)0\(|\|$\)')" -eq 0 ]
check "tshark did verify TCP checksums" \
	[ "$(cut -d'|' -f2 "$tmp/sums.fields" | grep -c '^1$')" -gt 100 ]
check "sessions are decoded as SMTP" grep -q '|EHLO|' "$tmp/sums.fields"
check "QinQ is decoded (802.1ad 10 outside 802.1Q 100)" \
	grep -q '|10|100$' "$tmp/sums.fields"

check "tshark reads the committed fixture" \
	[ "$(ts -r tests/captures/demo-small.pcap -T fields -e frame.number | wc -l)" -eq \
	"$(mval tests/captures/demo-small.json frames)" ]

# Hostile files: tshark refuses what libpcap refuses at open (except an
# empty file, which tshark reads as a capture with no packets).
for k in bad-magic short-header pcapng-no-idb; do
	f=$(ls "$tmp/$k".pcap*)
	tshark -r "$f" >/dev/null 2>&1 && bad "tshark opens $k"
done
check "tshark reads the byte-swapped file" \
	[ "$(ts -r "$tmp/swapped.pcap" -Y "$syn_filter" | wc -l)" -eq 3 ]

finish
