#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# make soak (not part of make test): mxgate-dp on virtual devices for
# SOAK_SECONDS (default 600) under a spoofed SYN flood mixed with
# legitimate SMTP sessions, hostile frames (tests/lib/hostile.c) and the
# dp_pcap traffic mix, streamed without end (net_pcap infinite_rx=1),
# with a policy reload every second (two policies, alternately) and a
# control client connecting and disconnecting all the time (stats,
# dpstats, and a connection closed without a request).
#
# Report: frames in and out, drops by cause, reloads, RSS at the start
# (after a warm-up of a tenth of the run, 20 to 60 s: the EAL heap
# holding the source table and the LPMs is touched as it fills) and at the end, mbufs
# outstanding at exit, counter consistency. Fails on any inconsistency:
#  - summary packets = worker rx = port 0 ipackets (port 1 receives
#    nothing);
#  - rx = forwarded + dropped + reset, in total and per port (dropped:
#    policy drops that sent no RST; reset: RSTs sent back out of port 0);
#    port 1 opackets = forwarded, port 0 opackets = RSTs;
#  - every reload sent is counted, none refused;
#  - no tx drop, no rx_nombuf, every mbuf back in its pool at exit;
# and on a leak: RSS growing by more than SOAK_RSS_SLACK_KB (default
# 16384) over the second half of the run (the EAL heap keeps being
# touched for a minute or two as reloads place new LPMs before freed
# ones are reused; a leak goes on growing), or the control client's
# connections leaving file descriptors open in mxgate-dp.
set -u
. "$(dirname "$0")/../integration/dp/lib.sh"
need_tools
SECONDS_TOTAL=${SOAK_SECONDS:-600}
SLACK_KB=${SOAK_RSS_SLACK_KB:-16384}
HOSTILE=$BUILD/tools/mxg-hostile
SCEN=$BUILD/tools/mxgate-scenario

tmp=$(mktemp -d)
dp_pid=
bg=()
cleanup() {
	local p
	for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$dp_pid" ] && kill -KILL "$dp_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
	cleanup_eal
}
trap cleanup EXIT
sock=$tmp/ctl.sock

# Traffic: spoofed flood + legit sessions, hostile frames, the dp mix.
"$SCEN" --format pcap spoofed,legit spoofed.rate=1000/s duration=4 \
	legit.senders=20 "$tmp/scen.pcap" >/dev/null || bad "scenario failed"
"$DPPCAP" normalize "$tmp/scen.pcap" "$tmp/a.pcap" >/dev/null ||
	bad "normalize failed"
"$HOSTILE" "$tmp/hostile.pcap" || bad "mxg-hostile failed"
"$DPPCAP" gen "$tmp/mix.pcap" mix 3000 9
"$DPPCAP" concat "$tmp/b.pcap" 1 "$tmp/hostile.pcap" "$tmp/mix.pcap" ||
	bad "concat failed"
"$DPPCAP" gen "$tmp/empty.pcap" mix 0
cat >"$tmp/a.json" <<'J'
{"version": 1, "protected": ["198.51.100.0/24", "2001:db8:25::/48"],
 "rules": [
  {"name": "per-host", "limit": {"rate": "20/min", "burst": 10}},
  {"name": "per-net", "limit": {"rate": "200/min", "burst": 50, "per": "prefix"}},
  {"name": "mx-total", "limit": {"rate": "2000/s", "burst": 4000, "per": "global"}, "over": "reset"}]}
J
cat >"$tmp/b.json" <<'J'
{"version": 1, "protected": ["198.51.100.0/24", "2001:db8:25::/48"],
 "rules": [
  {"name": "per-host", "limit": {"rate": "20/min", "burst": 10}, "over": "reset"},
  {"name": "mx-total", "limit": {"rate": "1000/s", "burst": 100, "per": "global"}, "over": "reset"}]}
J
"$DPCTL" compile "$tmp/a.json" "$tmp/a.img" 1 || bad "compile a"
"$DPCTL" compile "$tmp/b.json" "$tmp/b.img" 2 || bad "compile b"
frames_a=$("$DPPCAP" count "$tmp/a.pcap")
frames_b=$("$DPPCAP" count "$tmp/b.pcap")
echo "soak: ${SECONDS_TOTAL}s; port 0 streams $frames_a frames (spoofed flood + legit) and $frames_b (hostile + mix), without end"

# shellcheck disable=SC2046
DP_TIMEOUT=$((SECONDS_TOTAL + 120)) \
timeout -s INT -k 10 $((SECONDS_TOTAL + 120)) "$DP" $(eal 0@0,1@1) \
	--vdev "net_pcap0,rx_pcap=$tmp/a.pcap,rx_pcap=$tmp/b.pcap,infinite_rx=1" \
	--vdev "net_pcap1,rx_pcap=$tmp/empty.pcap" -- \
	--policy-image "$tmp/a.img" --control "$sock" --rx-queues 2 \
	>"$tmp/dp.json" 2>"$tmp/dp.err" &
dp_pid=$!
for _ in $(seq 200); do
	[ -S "$sock" ] && break
	sleep 0.1
done
[ -S "$sock" ] || { bad "control socket never came up"; tail -5 "$tmp/dp.err"; finish; exit 1; }

# dp_pid is timeout's; the data plane is its child.
dp_real=$(ps -o pid= --ppid "$dp_pid" | tr -d ' ' | head -1)
[ -n "$dp_real" ] || { bad "cannot find mxgate-dp under timeout"; finish; exit 1; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$dp_real/status"; }
fds() { find "/proc/$dp_real/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# A reload every second, alternating the two images.
"$DPCTL" reload-loop "$sock" "$SECONDS_TOTAL" "$tmp/a.img" "$tmp/b.img" 1000 \
	>"$tmp/reload.out" 2>&1 &
reload_pid=$!
bg+=("$reload_pid")
# A control client connecting and disconnecting.
(
	n=0
	while :; do
		"$DPCTL" stats "$sock" >/dev/null 2>&1 || echo "stats failed"
		"$DPCTL" dpstats "$sock" >/dev/null 2>&1 || echo "dpstats failed"
		# connect and hang up without a request
		timeout 1 bash -c "exec 3<>/dev/null; : >/dev/null" 2>/dev/null
		n=$((n + 1))
		echo "$n" >"$tmp/clients"
		sleep 0.2
	done
) >"$tmp/client.out" 2>&1 &
bg+=($!)
if command -v nc >/dev/null 2>&1; then
	(while :; do nc -U -w 0 "$sock" </dev/null >/dev/null 2>&1; sleep 0.3; done) &
	bg+=($!)
fi

# The EAL heap (source table, LPMs) is touched as it fills: about 15 s.
warm=$((SECONDS_TOTAL / 10))
[ "$warm" -gt 60 ] && warm=60
[ "$warm" -lt 20 ] && warm=20
[ "$warm" -ge "$SECONDS_TOTAL" ] && warm=$((SECONDS_TOTAL / 2))
sleep "$warm"
rss0=$(rss_kb)
fd0=$(fds)
"$DPCTL" dpstats "$sock" >"$tmp/s0.json"
echo "soak: after ${warm}s warm-up: RSS ${rss0} kB, ${fd0} fds"
left=$((SECONDS_TOTAL - warm))
rss_half=
while [ "$left" -gt 0 ]; do
	step=$((left < ${SOAK_STEP:-60} ? left : ${SOAK_STEP:-60}))
	sleep "$step"
	left=$((left - step))
	"$DPCTL" dpstats "$sock" >"$tmp/sn.json" 2>/dev/null
	[ -z "$rss_half" ] && [ $((SECONDS_TOTAL - left)) -ge $((SECONDS_TOTAL / 2)) ] &&
		rss_half=$(rss_kb) && half_at=$((SECONDS_TOTAL - left))
	echo "soak: $((SECONDS_TOTAL - left))s: RSS $(rss_kb) kB, fds $(fds)," \
		"rx $(json_num "$tmp/sn.json" rx), reloads $(json_num "$tmp/sn.json" reloads)"
done
wait "$reload_pid"
reload_rc=$?
rss1=$(rss_kb)
"$DPCTL" dpstats "$sock" >"$tmp/s1.json"
for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done
wait "${bg[@]}" 2>/dev/null
bg=()
sleep 0.5
fd1=$(fds)
kill -INT "$dp_pid"
wait "$dp_pid"
rc=$?
dp_pid=

check "graceful exit on SIGINT (status $rc)" test "$rc" -eq 0
check "every reload accepted ($SECONDS_TOTAL, one a second)" test "$reload_rc" -eq 0
exit_stats "$tmp/dp.err" >"$tmp/exit.json"
port_stats "$tmp/exit.json" 0 >"$tmp/p0"
port_stats "$tmp/exit.json" 1 >"$tmp/p1"
S=$tmp/dp.json
rx=$(json_num "$tmp/exit.json" rx)
pkts=$(json_num "$S" packets)
fwd=$(json_num "$S" forwarded)
sdrop=$(json_num "$S" smtp_dropped)
pldrop=$(json_num "$S" parser_limit_dropped)
resets=$(json_num "$S" reset)
supp=$(json_num "$S" reset_suppressed)
rst=$(json_num "$tmp/exit.json" rst_sent)
unbuilt=$(json_num "$tmp/exit.json" rst_unbuilt)
pdrop=$(json_num "$tmp/exit.json" policy_dropped)
reloads=$(json_num "$tmp/s1.json" reloads)
in0=$(json_num "$tmp/p0" ipackets)
in1=$(json_num "$tmp/p1" ipackets)
out0=$(json_num "$tmp/p0" opackets)
out1=$(json_num "$tmp/p1" opackets)
txdrop=$(json_num "$tmp/exit.json" tx_dropped)
nombuf0=$(json_num "$tmp/p0" rx_nombuf)
missed0=$(json_num "$tmp/p0" imissed)
dropped=$((sdrop + pldrop - rst))
clients=$(cat "$tmp/clients" 2>/dev/null || echo 0)

echo
echo "soak report"
echo "  duration           ${SECONDS_TOTAL} s (warm-up ${warm} s)"
echo "  frames in          $rx (port 0: $in0, port 1: $in1)"
echo "  frames out         port 1 (forwarded): $out1; port 0 (RSTs): $out0"
echo "  forwarded          $fwd"
echo "  drops by cause     rate limits/deny: $((sdrop - resets - supp)), reset answered with RST: $rst," \
	"reset without RST (tiny fragments): $unbuilt, reset suppressed (group/special address): $supp," \
	"parser limit: $pldrop (total policy drops $pdrop)"
echo "  parser limit       $(json_num "$S" parser_limit) frames, unparsed $(json_num "$S" unparsed)"
echo "  reloads            $reloads"
echo "  control clients    $clients rounds (stats + dpstats + hang-up)"
echo "  RSS                start ${rss0} kB (after warm-up), ${rss_half} kB at ${half_at}s, end ${rss1} kB (delta $((rss1 - rss0)) kB from start, $((rss1 - rss_half)) kB over the second half)"
echo "  fds                start $fd0, end $fd1"
echo "  mbufs              $(grep -o 'all [0-9]* mbufs back[^"]*' "$tmp/dp.err" | head -1 || echo 'NOT all back')"
echo "  rules at exit      $(jq -c '[.rules[] | {name, matched, dropped}]' "$S" 2>/dev/null)"
echo

check "summary packets = worker rx ($rx)" test "$pkts" -eq "$rx"
check "port 0 received = worker rx" test "$in0" -eq "$rx"
check "port 1 received nothing" test "$in1" -eq 0
check "rx = forwarded + dropped + reset, total ($rx = $fwd + $dropped + $rst)" \
	test "$rx" -eq $((fwd + dropped + rst))
check "port 0: rx = forwarded + dropped + reset" test "$in0" -eq $((fwd + dropped + rst))
check "port 1: rx = forwarded + dropped + reset (0)" test "$in1" -eq 0
check "policy drops = smtp_dropped + parser_limit_dropped" \
	test "$pdrop" -eq $((sdrop + pldrop))
check "RSTs sent + unbuilt = resets ($resets)" test $((rst + unbuilt)) -eq "$resets"
check "port 1 sent every forwarded frame" test "$out1" -eq "$fwd"
check "port 0 sent every RST" test "$out0" -eq "$rst"
check "no tx drop" test "${txdrop:-0}" -eq 0
check "no rx_nombuf, no missed frame" test "${nombuf0:-0}" -eq 0 -a "${missed0:-0}" -eq 0
check "every reload counted ($SECONDS_TOTAL)" test "${reloads:-0}" -ge "$SECONDS_TOTAL"
check "the flood was limited (policy drops > 0)" test "$pdrop" -gt 0
check "parser-limit frames dropped" test "$pldrop" -gt 0
check "resets suppressed for group/special addresses" test "$supp" -gt 0
check "RSS grew by at most $SLACK_KB kB over the second half ($((rss1 - rss_half)) kB)" \
	test $((rss1 - rss_half)) -le "$SLACK_KB"
check "no file descriptor leaked by control connections ($fd0 -> $fd1)" \
	test "$fd1" -le "$fd0"
check "no control client failure" test ! -s "$tmp/client.out"
check "no mbuf leaked" mbufs_back "$tmp/dp.err"
finish
