#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# mxgate-replay on generated scenarios, all nine of tests/tools/README.md.
# The expected verdict counts are derived here, independently of the
# program: from the scenario's parameters (what every event consists of,
# how many frames of each kind), and from the capture read with tshark
# (attempts, first fragments, tags), with the token bucket of DESIGN §3
# simulated in awk over their timestamps and keys. Also: the source
# table's counters, link types and formats give identical verdicts, RSTs
# carry valid checksums, the report is self-contained and honours --top,
# every hostile capture and bad argument has its exact outcome (the
# sanitized build, so any memory error fails the test).
set -u
BIN=${MXG_BIN:?run through make check}
REPLAY=${MXG_SAN_BIN:?}/mxgate-replay
SCEN=$MXG_TOOLS/mxgate-scenario
BAD=$MXG_TOOLS/mxgate-badpcap
. "$(dirname "$0")/../lib/check.sh"
need_cmd tshark jq
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT


# Attempts as "epoch_seconds src" lines, by tshark (not by our parser);
# more tshark arguments may follow the file.
attempts() {
	tshark -r "$1" "${@:2}" -o tcp.analyze_sequence_numbers:FALSE \
		-Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport in {25, 465, 587}' \
		-T fields -e frame.time_epoch -e ip.src -e ipv6.src 2>/dev/null |
		awk -F'\t' '{ print $1, ($2 != "" ? $2 : $3) }'
}

# First fragments (IPv4 MF set and offset 0; IPv6 fragment header with
# offset 0, atomic ones included) as "epoch_seconds src dport [tcp_flags]"
# lines, by tshark with reassembly off: it sees the ports of a tiny first
# fragment, but no flags.
frag_firsts() {
	tshark -r "$1" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
		-Y '(ip.flags.mf == 1 && ip.frag_offset == 0) || (ipv6.fraghdr && ipv6.fraghdr.offset == 0)' \
		-T fields -e frame.time_epoch -e ip.src -e ipv6.src -e tcp.dstport -e tcp.flags 2>/dev/null |
		awk -F'\t' '{ print $1, ($2 != "" ? $2 : $3), $4, $5 }'
}

frames() { tshark -r "$1" -T fields -e frame.number 2>/dev/null | wc -l; }

# Simulate one limit rule over "ts key" lines: rate per second (a number
# or N/D), burst. Prints how many attempts conform. Keys are computed by
# the caller.
bucket_sim() { # rate burst
	awk -v rate="$1" -v burst="$2" '
	BEGIN { if (split(rate, q, "/") == 2) rate = q[1] / q[2] }
	{
		t = $1; k = $2
		if (!(k in tok)) { tok[k] = burst; last[k] = t }
		if (t > last[k]) {
			tok[k] += (t - last[k]) * rate
			if (tok[k] > burst) tok[k] = burst
			last[k] = t
		}
		if (tok[k] >= 1) { tok[k] -= 1; pass++ }
	}
	END { print pass + 0 }'
}

# Key functions over "ts src" lines.
key_host() { awk '{ print $1, $2 }'; }
key_net24() { awk '{ split($2, o, "."); print $1, o[1] "." o[2] "." o[3] }'; }
key_v6_64() { # first four groups of a compressed IPv6 address
	awk '{ n = split($2, g, ":"); print $1, g[1] ":" g[2] ":" g[3] ":" g[4] }'
}
key_global() { awk '{ print $1, "all" }'; }
# per host (DESIGN §3): an IPv4 address, or an IPv6 /64 (the sources here
# never compress zeros within their first four groups)
key_host64() {
	awk '{ if (index($2, ":")) { split($2, g, ":"); $2 = g[1] ":" g[2] ":" g[3] ":" g[4] }
		print $1, $2 }'
}

policy() { # name rate burst per -> file
	cat > "$T/$1.json" <<EOF
{"version": 1, "rules": [{"name": "$1", "limit": {"rate": "$2", "burst": $3, "per": "$4"}}]}
EOF
	echo "$T/$1.json"
}

run() { # policy capture [extra args] -> summary on stdout
	local p=$1 c=$2
	shift 2
	"$REPLAY" --policy "$p" "$@" "$c"
}

DENY=$T/deny.json
printf '{"version": 1, "rules": [{"name": "deny-all", "action": "deny"}]}' > "$DENY"

# Assert a one-rule policy's summary: name summary packets unparsed
# attempts dropped. Everything not dropped is forwarded.
check_summary() {
	local what=$1 s=$2 pk=$3 up=$4 at=$5 dr=$6
	expect_eq "$what: packets unparsed smtp_syns smtp_dropped forwarded" \
		"$(jq -r '"\(.packets) \(.unparsed) \(.smtp_syns) \(.smtp_dropped) \(.forwarded)"' <<<"$s" 2>&1)" \
		"$pk $up $at $dr $((pk - dr))"
	expect_eq "$what: rule matched passed dropped" \
		"$(jq -r '.rules[0] | "\(.matched) \(.passed) \(.dropped)"' <<<"$s" 2>&1)" \
		"$at $((at - dr)) $dr"
}

# 1. A single-source flood under a per-host limit.
"$SCEN" flood flood.rate=100/s flood.duration=10 "$T/flood.pcap" || bad "scenario flood"
P=$(policy per-host 60/min 5 host)
S=$(run "$P" "$T/flood.pcap")
want=$(attempts "$T/flood.pcap" | key_host | bucket_sim 1 5)
expect_eq "flood: attempts" "$(jq .smtp_syns <<<"$S")" 1000
expect_eq "flood: passed (model)" "$(jq .smtp_passed <<<"$S")" "$want"
expect_eq "flood: passed (closed form 5 + floor(999/100))" "$want" 14
expect_eq "flood: dropped" "$(jq .smtp_dropped <<<"$S")" $((1000 - want))
expect_eq "flood: rule dropped" "$(jq '.rules[0].dropped' <<<"$S")" $((1000 - want))
expect_eq "flood: top source" "$(jq -r '.top_sources[0].src' <<<"$S")" 203.0.113.7
expect_eq "flood: top source drops" "$(jq '.top_sources[0].dropped' <<<"$S")" $((1000 - want))

# 2. A /24 botnet: per-host never fires, per-prefix does.
"$SCEN" botnet24 botnet24.hosts=100 botnet24.rate=6/min "$T/bot.pcap" || bad "scenario botnet24"
P=$(policy per-host 20/min 10 host)
S=$(run "$P" "$T/bot.pcap")
expect_eq "botnet per-host: dropped" "$(jq .smtp_dropped <<<"$S")" 0
expect_eq "botnet per-host: attempts" "$(jq .smtp_syns <<<"$S")" 600
P=$(policy per-net 300/min 20 prefix)
S=$(run "$P" "$T/bot.pcap")
want=$(attempts "$T/bot.pcap" | key_net24 | bucket_sim 5 20)
expect_eq "botnet per-prefix: passed (model)" "$(jq .smtp_passed <<<"$S")" "$want"
[ "$want" -lt 600 ] && ok "botnet per-prefix limits ($want of 600)" || bad "botnet model passes everything"

# 3. IPv6 rotation inside one /64 is one host.
"$SCEN" v6rotate v6rotate.rate=50/s v6rotate.duration=20 "$T/v6.pcap" || bad "scenario v6rotate"
P=$(policy per-host 120/min 10 host)
S=$(run "$P" "$T/v6.pcap")
want=$(attempts "$T/v6.pcap" | key_v6_64 | bucket_sim 2 10)
expect_eq "v6 rotation: passed (model)" "$(jq .smtp_passed <<<"$S")" "$want"
expect_eq "v6 rotation: passed (closed form 10 + floor(2 * 999/50))" "$want" 49

# 4. A spoofed random-source flood gets past per-host, not the global cap.
"$SCEN" spoofed spoofed.rate=1000/s spoofed.duration=5 "$T/spoof.pcap" || bad "scenario spoofed"
P=$(policy total 200/s 50 global)
S=$(run "$P" "$T/spoof.pcap" --verdicts "$T/spoof.jsonl" --reset "$T/none.pcap")
want=$(attempts "$T/spoof.pcap" | key_global | bucket_sim 200 50)
expect_eq "spoofed global: passed (model)" "$(jq .smtp_passed <<<"$S")" "$want"
expect_eq "spoofed: verdict lines" "$(wc -l < "$T/spoof.jsonl")" "$(jq .smtp_syns <<<"$S")"
expect_eq "spoofed: verdict drops" "$(grep -c '"verdict": "drop"' "$T/spoof.jsonl")" "$(jq .smtp_dropped <<<"$S")"

# The source table's counters (--explain and the report): 5000 spoofed
# sources into a table of 1024 slots. Every insert beyond the slots
# evicts, at most one eviction per insert. With a 1/h refill no bucket is
# full again within 5 s, so every eviction is lossy; at 10000/s every
# bucket is full again 0.1 ms after its attempt (SYNs are 1 ms apart), so
# every eviction is lossless.
keys=$(attempts "$T/spoof.pcap" | key_v6_64 | awk '{ print $2 }' | sort -u | wc -l)
for refill in 1/h 10000/s; do
	P=$(policy per-host $refill 1 host)
	run "$P" "$T/spoof.pcap" --table-entries 1024 --explain \
		--report "$T/table.html" > /dev/null 2> "$T/explain"
	line=$(grep '^source table: ' "$T/explain")
	read -r slots ins lossless lossy < <(sed -E 's/^source table: ([0-9]+) slots; ([0-9]+) keys inserted, ([0-9]+) lossless and ([0-9]+) lossy evictions$/\1 \2 \3 \4/' <<<"$line")
	if [ -z "$line" ] || [ -z "${lossy:-}" ]; then
		bad "table $refill: no source table line in --explain: $line"
		continue
	fi
	expect_eq "table $refill: keys inserted (distinct sources)" "$ins" "$keys"
	[ "$slots" -ge 1024 ] && [ $((lossless + lossy)) -ge $((ins - slots)) ] &&
		[ $((lossless + lossy)) -le "$ins" ] &&
		ok "table $refill: $((lossless + lossy)) evictions for $ins inserts into $slots slots" ||
		bad "table $refill: $lossless + $lossy evictions for $ins inserts into $slots slots"
	if [ $refill = 1/h ]; then
		expect_eq "table $refill: lossless evictions" "$lossless" 0
		grep -q 'a verdict may differ' "$T/explain" && ok "explain warns of lossy evictions" ||
			bad "explain does not warn of lossy evictions"
		grep -q 'class="warn"><strong>'"$lossy"' lossy evictions' "$T/table.html" &&
			ok "report warns of $lossy lossy evictions" || bad "report does not warn of lossy evictions"
	else
		expect_eq "table $refill: lossy evictions" "$lossy" 0
		grep -q 'a verdict may differ' "$T/explain" && bad "explain warns without lossy evictions" ||
			ok "explain: no warning without lossy evictions"
		grep -q 'class="warn"' "$T/table.html" && bad "report warns without lossy evictions" ||
			ok "report: no warning without lossy evictions"
	fi
	grep -q "<td>$slots</td><td>$ins</td><td>$lossless</td><td>$lossy</td>" "$T/table.html" &&
		ok "report: source table counts" || bad "report: source table counts missing"
done

# Sections 5-9: the other five scenarios, each under a deny-all policy
# (every attempt dropped, so the counts are the parser's) and a limit
# that bites (the bucket model's). Scenarios whose events are Poisson
# draws are counted with tshark; what every event consists of follows
# from the parameters, which set each fraction to 0 or 1.

# 5. Legitimate senders: full sessions (handshake, SMTP dialogue, message,
# FINs) to 25, 465 and 587. A session opens with exactly one SYN, so the
# attempts are the sessions: tshark counts the SYNs and, separately, the
# TCP streams to SMTP ports. Every frame is well formed: none unparsed.
# A per-host limit of 1/min, burst 1, bites on a sender that opens two
# sessions within a minute (each opens 2/min).
"$SCEN" legit legit.senders=20 legit.v6=0.25 legit.rate=2/min \
	legit.duration=60 "$T/legit.pcap" || bad "scenario legit"
n=$(frames "$T/legit.pcap")
att=$(attempts "$T/legit.pcap" | wc -l)
streams=$(tshark -r "$T/legit.pcap" -Y 'tcp.dstport in {25, 465, 587}' \
	-T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
expect_eq "legit: SYNs (tshark) = sessions (TCP streams)" "$att" "$streams"
[ "$att" -ge 20 ] && [ "$n" -gt $((10 * att)) ] &&
	ok "legit: $att sessions in $n frames" || bad "legit: $att sessions in $n frames"
check_summary "legit, deny-all" "$(run "$DENY" "$T/legit.pcap")" "$n" 0 "$att" "$att"
want=$(attempts "$T/legit.pcap" | key_host64 | bucket_sim 1/60 1)
check_summary "legit, per-host 1/min" "$(run "$(policy legit-host 1/min 1 host)" "$T/legit.pcap")" \
	"$n" 0 "$att" $((att - want))
[ "$want" -gt 0 ] && [ "$want" -lt "$att" ] && ok "legit: the limit bites ($want of $att pass)" ||
	bad "legit: the limit does not bite ($want of $att pass)"

# 6. VLAN: senders behind one 802.1Q tag (vid 100), then behind QinQ
# (802.1ad svid 10 outside 802.1Q vid 100), IPv4 and IPv6, full sessions
# and bare SYNs. tshark shows the tags of every frame and reads the
# attempts through them. A per-host limit of 6/min, burst 2, bites: each
# sender has 30 events a minute.
for q in 0 1; do
	c=$T/vlan$q.pcap
	"$SCEN" vlan vlan.qinq=$q vlan.senders=6 vlan.v6=0.5 vlan.rate=30/min \
		vlan.duration=30 vlan.sessions=0.5 "$c" || bad "scenario vlan qinq=$q"
	what=$([ $q = 0 ] && echo 802.1Q || echo QinQ)
	expect_eq "vlan $what: tags of every frame (outer type/S-tag/C-tag)" \
		"$(tshark -r "$c" -T fields -e eth.type -e ieee8021ad.id -e vlan.id 2>/dev/null |
			awk -F'\t' '{ print $1 "/" $2 "/" $3 }' | sort -u | tr '\n' ' ')" \
		"$([ $q = 0 ] && echo '0x8100//100 ' || echo '0x88a8/10/100 ')"
	n=$(frames "$c")
	att=$(attempts "$c" | wc -l)
	fam=$(attempts "$c" | awk '{ f[index($2, ":") ? 6 : 4]++ } END { print (f[4] > 0) + (f[6] > 0) }')
	expect_eq "vlan $what: attempts from both families" "$fam" 2
	[ "$n" -gt "$att" ] && ok "vlan $what: $att attempts in $n frames (sessions too)" ||
		bad "vlan $what: $att attempts in $n frames: no sessions"
	check_summary "vlan $what, deny-all" "$(run "$DENY" "$c")" "$n" 0 "$att" "$att"
	want=$(attempts "$c" | key_host64 | bucket_sim 6/60 2)
	check_summary "vlan $what, per-host 6/min" "$(run "$(policy vlan-host 6/min 2 host)" "$c")" \
		"$n" 0 "$att" $((att - want))
	[ "$want" -gt 0 ] && [ "$want" -lt $((att / 2)) ] &&
		ok "vlan $what: the limit bites ($want of $att pass)" ||
		bad "vlan $what: the limit does not bite ($want of $att pass)"
done

# 7. Fragmented SYNs, IPv4 and IPv6. An attempt is a first fragment to an
# SMTP port (DESIGN §3): one holding the SYN's flags, an RFC 1858 tiny one
# holding only the ports, or an IPv6 atomic fragment; never a later
# fragment, even one whose bytes look like a SYN to 25 (lookalike), and
# never one to port 80. Each case sets the fractions so that every
# fragmented SYN is the same: frames per SYN, attempts per SYN. tshark
# (reassembly off) counts the SYNs by their first fragments, which it
# sees even when they are too tiny for it to see a SYN. The per-host
# limit (6/min, burst 2) is modelled over the first fragments' times:
# a reordered SYN is judged when its first fragment arrives.
fbase="fragments.senders=4 fragments.v6=0.5 fragments.rate=30/min fragments.duration=20
fragments.tiny=0 fragments.atomic=0 fragments.other_port=0 fragments.reorder=0
fragments.lookalike=0"
while IFS='|' read -r what params per_syn att_per_syn; do
	c=$T/frag.pcap
	# shellcheck disable=SC2086
	"$SCEN" fragments $fbase $params "$c" || { bad "scenario fragments $what"; continue; }
	syns=$(frag_firsts "$c" | wc -l)
	n=$(frames "$c")
	att=$((syns * att_per_syn))
	[ "$syns" -ge 20 ] && ok "fragments $what: $syns fragmented SYNs" ||
		bad "fragments $what: only $syns fragmented SYNs"
	expect_eq "fragments $what: frames = $per_syn per SYN" "$n" $((syns * per_syn))
	case $what in
	tiny) # no flags in the first fragment: tshark sees no SYN there (it
		# sees one only by reassembling, at the later fragment's time)
		expect_eq "fragments tiny: SYNs tshark sees without reassembly" \
			"$(attempts "$c" -o ip.defragment:FALSE -o ipv6.defragment:FALSE | wc -l)" 0
		expect_eq "fragments tiny: first fragments with TCP flags" \
			"$(frag_firsts "$c" | awk 'NF > 3' | wc -l)" 0 ;;
	*)	expect_eq "fragments $what: first fragments with SYN flags" \
			"$(frag_firsts "$c" | awk '$4 == "0x0002"' | wc -l)" "$syns" ;;
	esac
	check_summary "fragments $what, deny-all" "$(run "$DENY" "$c")" "$n" 0 "$att" "$att"
	want=$(frag_firsts "$c" | awk '$3 == 25 { print $1, $2 }' | key_host64 | bucket_sim 6/60 2)
	check_summary "fragments $what, per-host 6/min" \
		"$(run "$(policy frag-host 6/min 2 host)" "$c")" "$n" 0 "$att" $((att - want))
	[ "$att" -eq 0 ] || [ "$want" -lt "$att" ] && ok "fragments $what: $want of $att pass" ||
		bad "fragments $what: the limit does not bite ($want of $att pass)"
done <<'EOF'
first, whole SYN header|fragments.tiny=0|2|1
tiny|fragments.tiny=1|2|1
IPv6 atomic|fragments.v6=1 fragments.atomic=1|1|1
to port 80|fragments.other_port=1|2|0
reordered, with lookalikes|fragments.reorder=1 fragments.lookalike=1|3|1
EOF

# 8. Non-SMTP noise: near misses of every kind (SYNs to other ports,
# SYN-ACK, ACK and RST to 25, UDP to 25, HTTP, DNS, ICMP) and non-IP
# frames (ARP, LLDP, another ethertype). None is an attempt and every one
# is readable (a non-IP frame is not unparsed), so deny-all drops nothing.
"$SCEN" noise noise.rate=20/s noise.duration=30 "$T/noise.pcap" || bad "scenario noise"
n=$(frames "$T/noise.pcap")
for f in 'tcp.flags.syn == 1 && tcp.flags.ack == 0 && !(tcp.dstport in {25, 465, 587})' \
	'tcp.flags.syn == 1 && tcp.flags.ack == 1 && tcp.port == 25' \
	'tcp.flags.syn == 0 && tcp.dstport == 25' 'udp.dstport == 25' '!ip && !ipv6'; do
	k=$(tshark -r "$T/noise.pcap" -Y "$f" 2>/dev/null | wc -l)
	[ "$k" -gt 0 ] && ok "noise: $k frames of: $f" || bad "noise: no frames of: $f"
done
expect_eq "noise: attempts (tshark)" "$(attempts "$T/noise.pcap" | wc -l)" 0
check_summary "noise, deny-all" "$(run "$DENY" "$T/noise.pcap")" "$n" 0 0 0

# 9. Truncated and malformed frames: floor(rate x duration) frames, frame
# k of kind k mod 13 (tests/tools/README.md). Only kind 0, snap_syn_hdr
# (every header within the caplen), is an attempt; kind 2, snap_data, is
# readable but no attempt; the 11 others are unparsed (DESIGN §3: cut in
# the options or the IP header, a runt, bad version, IHL, total length or
# data offset, an IP length that ends inside TCP, a cut or a ninth IPv6
# extension header, three tags). 10/s for 10 s: 100 frames, 7 cycles and
# kinds 0 to 8 once more. tshark counts the frames, not the verdicts: it
# reads a SYN's flags in a few of the kinds DESIGN §3 calls unparsed.
"$SCEN" truncated truncated.rate=10/s truncated.duration=10 "$T/trunc.pcap" || bad "scenario truncated"
n=100
of_kind() { echo $((n / 13 + ($1 < n % 13 ? 1 : 0))); }
expect_eq "truncated: frames" "$(frames "$T/trunc.pcap")" $n
att=$(of_kind 0)
check_summary "truncated, deny-all" "$(run "$DENY" "$T/trunc.pcap")" $n $((n - att - $(of_kind 2))) "$att" "$att"
expect_eq "truncated: attempts (closed form: 8)" "$att" 8

# 10. The demo mix: invariants, formats and link types agree.
"$SCEN" --format pcap-ns demo-small "$T/mix-ns.pcap" || bad "scenario demo-small"
P=control/examples/default.json
S=$(run "$P" "$T/mix-ns.pcap" --verdicts "$T/eth.jsonl" --pass "$T/pass.pcap" \
	--drop "$T/drop.pcap" --reset "$T/rst.pcap" --report "$T/r.html")
jq -e '.smtp_syns == .smtp_passed + .smtp_dropped and .reset <= .smtp_dropped
	and .packets == .forwarded + .smtp_dropped' <<<"$S" >/dev/null &&
	ok "demo: summary invariants" || bad "demo: summary invariants: $S"
expect_eq "demo: passed pcap frames" "$(tshark -r "$T/pass.pcap" 2>/dev/null | wc -l)" "$(jq .forwarded <<<"$S")"
expect_eq "demo: dropped pcap frames" "$(tshark -r "$T/drop.pcap" 2>/dev/null | wc -l)" "$(jq .smtp_dropped <<<"$S")"
for fmt in pcap pcapng; do
	"$SCEN" --format $fmt demo-small "$T/mix.$fmt" || bad "scenario $fmt"
	run "$P" "$T/mix.$fmt" --verdicts "$T/$fmt.jsonl" >/dev/null
done
# Microsecond pcap truncates timestamps; pcapng keeps nanoseconds.
cmp -s "$T/eth.jsonl" "$T/pcapng.jsonl" && ok "pcapng verdicts = pcap-ns verdicts" ||
	bad "pcapng verdicts differ from pcap-ns"
expect_eq "pcap (us) verdict count" "$(wc -l < "$T/pcap.jsonl")" "$(wc -l < "$T/eth.jsonl")"
for lt in sll sll2 raw; do
	"$SCEN" --format pcap-ns --linktype $lt demo-small "$T/mix.$lt" || bad "scenario $lt"
	run "$P" "$T/mix.$lt" --verdicts "$T/$lt.jsonl" >/dev/null
	# Frame numbers shift where raw IP leaves out non-IP frames.
	if cmp -s <(cut -d, -f2- "$T/eth.jsonl") <(cut -d, -f2- "$T/$lt.jsonl"); then
		ok "$lt verdicts = Ethernet verdicts"
	else
		bad "$lt verdicts differ from Ethernet"
	fi
done

# 11. RSTs: valid IPv4/IPv6 and TCP checksums, RST+ACK, ack = seq + 1.
P=$(policy reset-all 1/h 1 global)
sed -i 's/"per": "global"}/"per": "global"}, "over": "reset"/' "$P"
"$SCEN" --format pcap-ns flood,v6rotate flood.rate=20/s v6rotate.rate=20/s \
	flood.duration=2 v6rotate.duration=2 "$T/rst-in.pcap" || bad "scenario rst"
S=$(run "$P" "$T/rst-in.pcap" --reset "$T/rst.pcap")
expect_eq "resets counted" "$(jq .reset <<<"$S")" $(($(jq .smtp_syns <<<"$S") - 1))
expect_eq "RST frames written" "$(tshark -r "$T/rst.pcap" 2>/dev/null | wc -l)" "$(jq .reset <<<"$S")"
badsum=$(tshark -r "$T/rst.pcap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
	-Y 'tcp.checksum.status != 1 || (ip && ip.checksum.status != 1) || tcp.flags != 0x014 || tcp.seq_raw != 0' 2>/dev/null | wc -l)
expect_eq "RSTs with a bad checksum or flags" "$badsum" 0
# ack = seq + 1, pairing each RST with the SYN it answers (same ports)
tshark -r "$T/rst-in.pcap" -Y 'tcp.flags.syn==1' -T fields -e tcp.srcport -e tcp.seq_raw 2>/dev/null | sort > "$T/syn.txt"
tshark -r "$T/rst.pcap" -T fields -e tcp.dstport -e tcp.ack_raw 2>/dev/null |
	awk '{ printf "%s\t%.0f\n", $1, $2 - 1 }' | sort > "$T/rstack.txt"
expect_eq "RSTs whose ack is not seq + 1" "$(comm -13 "$T/syn.txt" "$T/rstack.txt" | wc -l)" 0

# 12. The report is self-contained.
if grep -qiE '<script|<link|@import|url\(|src="http|href="http' "$T/r.html"; then
	bad "report references external resources or scripts"
else
	ok "report has no scripts or external references"
fi
grep -q '<svg' "$T/r.html" && ok "report has inline SVG timelines" || bad "report has no SVG"
# The report lists --top offenders (20 without it): the 100 bots of
# section 2 are 100 distinct sources, so the list is never cut short.
P=$(policy per-host 20/min 10 host)
for top in "" 0 3 60; do
	run "$P" "$T/bot.pcap" --report "$T/top.html" ${top:+--top $top} > "$T/top.json"
	expect_eq "report offenders with --top '$top'" \
		"$(grep -c '<tr class="off">' "$T/top.html")" "${top:-20}"
done
expect_eq "summary top_sources with --top 60" "$(jq '.top_sources | length' "$T/top.json")" 60

# 13. Hostile captures (tests/tools/README.md, mxgate-badpcap), each with its
# exact outcome, under the sanitized build. The files hold 54-byte SYNs to
# port 25 around the damage, so the expected counts follow from how each
# is built; a deny-all policy makes every attempt a drop. A capture that
# cannot be opened exits 2 with one line and nothing on stdout. One cut or
# damaged after some records reports those records (summary and
# verdicts), then exits 2 with one line saying where it broke.
# Columns: kind, exit, "packets unparsed attempts" or - (no summary), the
# error line after "mxgate-replay: ", or - (none); $F is the file.
F=$T/bad.pcap
kinds=
while IFS='|' read -r kind want_rc counts want_err; do
	kinds="$kinds $kind"
	"$BAD" "$kind" "$F" >/dev/null 2>&1 || { bad "badpcap $kind"; continue; }
	rm -f "$T/bad.jsonl"
	"$REPLAY" --policy "$DENY" --verdicts "$T/bad.jsonl" "$F" > "$T/out" 2> "$T/err"
	rc=$?
	want_err=${want_err//\$F/$F}
	[ "$want_err" = - ] && want_err= || want_err="mxgate-replay: $want_err"
	expect_eq "hostile $kind: exit" $rc "$want_rc"
	expect_eq "hostile $kind: stderr" "$(cat "$T/err")" "$want_err"
	if [ "$counts" = - ]; then
		[ -s "$T/out" ] && bad "hostile $kind: summary on stdout" ||
			ok "hostile $kind: nothing on stdout"
		continue
	fi
	read -r pk up at <<<"$counts"
	expect_eq "hostile $kind: packets unparsed smtp_syns smtp_dropped forwarded" \
		"$(jq -r '"\(.packets) \(.unparsed) \(.smtp_syns) \(.smtp_dropped) \(.forwarded)"' "$T/out" 2>&1)" \
		"$pk $up $at $at $((pk - at))"
	expect_eq "hostile $kind: verdict lines" "$(wc -l < "$T/bad.jsonl")" "$at"
done <<'EOF'
truncated-record|2|3 0 3|capture $F is damaged after 3 packets: truncated dump file; tried to read 1514 captured bytes, only got 60
caplen-gt-len|0|4 0 4|-
zero-length|0|3 2 1|-
jumbo|0|3 0 3|-
jumbo-snaplen|0|3 0 3|-
unknown-linktype|2|-|capture $F: unsupported link type 147 (unknown); expected Ethernet, Linux cooked (SLL, SLL2) or raw IP
cut-mid-record-header|2|3 0 3|capture $F is damaged after 3 packets: truncated dump file; tried to read 16 header bytes, only got 8
cut-mid-record|2|3 0 3|capture $F is damaged after 3 packets: truncated dump file; tried to read 16 header bytes, only got 8
cut-mid-record-data|2|3 0 3|capture $F is damaged after 3 packets: truncated dump file; tried to read 54 captured bytes, only got 30
caplen-huge|2|3 0 3|capture $F is damaged after 3 packets: invalid packet capture length 4294967295, bigger than snaplen of 262144
bad-magic|2|-|cannot read capture $F: unknown file format
empty|2|-|cannot read capture $F: truncated dump file; tried to read 4 file header bytes, only got 0
header-only|0|0 0 0|-
short-header|2|-|cannot read capture $F: truncated dump file; tried to read 24 file header bytes, only got 6
swapped|0|3 0 3|-
time-backwards|0|3 0 3|-
pcapng-truncated-block|2|3 0 3|capture $F is damaged after 3 packets: truncated pcapng dump file; tried to read 192 bytes, only got 32
pcapng-no-idb|2|-|cannot read capture $F: the capture file has a packet block before any Interface Description Blocks
EOF
# shellcheck disable=SC2086 # $kinds is a list of words
expect_eq "every badpcap kind has an expected outcome" \
	"$("$BAD" --list | awk '{ print $1 }' | sort | tr '\n' ' ')" \
	"$(printf '%s\n' $kinds | sort | tr '\n' ' ')"
# The byte-swapped file is read as the same SYNs from 203.0.113.9.
"$BAD" swapped "$F" && S=$(run "$DENY" "$F")
expect_eq "swapped: source" "$(jq -r '.top_sources[0].src' <<<"$S")" 203.0.113.9
# Time going backwards (10 s, 5 s, 0 s) refills nothing: at 1/s, burst 1,
# only the first passes (in forward order all three would).
"$BAD" time-backwards "$F" && S=$(run "$(policy back 1/s 1 host)" "$F")
expect_eq "time-backwards: passed at 1/s, burst 1" "$(jq .smtp_passed <<<"$S")" 1

# 14. Bad arguments, policies and captures: exit 2 with one line.
"$SCEN" flood "$T/f.pcap" >/dev/null
printf '{"version": 1, "rules": [{"name": "x", "limit": {"rate": "20/mn", "burst": 1}}]}' > "$T/badpol.json"
# The same capture with link type 105 (IEEE 802.11): known, unsupported.
{ head -c 20 "$T/f.pcap"; printf '\151\000\000\000'; tail -c +25 "$T/f.pcap"; } > "$T/wlan.pcap"
mkdir "$T/adir"
printf 'From: someone\nnot a capture\n' > "$T/text.txt"
while IFS='|' read -r what args; do
	# shellcheck disable=SC2086
	"$REPLAY" $args > "$T/out" 2> "$T/err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ] && [ ! -s "$T/out" ]; then
		ok "$what: exit 2, one line: $(cat "$T/err")"
	else
		bad "$what: exit $rc, stderr: $(cat "$T/err")"
	fi
done <<EOF
no input|
two inputs|$T/f.pcap $T/f.pcap
unknown option|--frobnicate $T/f.pcap
bad top|--top -1 $T/f.pcap
top not a number|--top abc $T/f.pcap
top without its value|$T/f.pcap --top
bad engine|--engine dpdk $T/f.pcap
missing capture|$T/nope.pcap
unreadable policy|--policy $T/nope.json $T/f.pcap
invalid policy|--policy $T/badpol.json $T/f.pcap
unsupported link type|$T/wlan.pcap
directory as input|$T/adir
text file as input|$T/text.txt
unwritable output|--verdicts /nonexistent/dir/v.jsonl $T/f.pcap
unwritable report|--report /nonexistent/dir/r.html $T/f.pcap
unwritable report after other outputs|--verdicts $T/ok.jsonl --drop $T/ok.pcap --report /nonexistent/dir/r.html $T/f.pcap
EOF

"$REPLAY" "$T/nope.pcap" 2> "$T/err"
expect_eq "missing capture: error" "$(cat "$T/err")" \
	"mxgate-replay: cannot read capture $T/nope.pcap: No such file or directory"
# A missing value names the long option (there are no short ones).
"$REPLAY" "$T/f.pcap" --top 2> "$T/err"
expect_eq "--top without a value: error" "$(cat "$T/err")" \
	"mxgate-replay: --top: missing its argument (see --help)"
"$REPLAY" --explain=yes "$T/f.pcap" 2> "$T/err"
expect_eq "--explain with a value: error" "$(cat "$T/err")" \
	"mxgate-replay: --explain: takes no argument (see --help)"
"$REPLAY" -t 3 "$T/f.pcap" 2> "$T/err"
expect_eq "-t: error" "$(cat "$T/err")" 'mxgate-replay: unknown option "-t" (see --help)'

finish
