#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark (not a test): mxgate-dp throughput against dpdk-testpmd
# --forward-mode=io on the same virtual devices and the same cores, in
# one run, reported as a ratio (absolute rates on a shared machine are
# noise). Also mxgate-dp with 1 and 2 workers.
#
#   make bench-dp       or   tests/bench/bench_dp.sh [SECONDS [ROUNDS]]
#
# Scenarios, each with two ports forwarding to each other:
#   null       net_null ports: 64-byte zero frames (not IP), both ports
#              receive; the pure framework cost, fast path only
#   benign     net_pcap infinite_rx: a mix without SMTP attempts
#   synflood   net_pcap infinite_rx: random-source SYNs to port 25, every
#              frame classified, limited, counted (and reset) by policy;
#              4096 sources, so the table stays in cache
#   spoofed    net_pcap infinite_rx: 1,000,000 distinct random sources
#              (20% IPv6) into a 1M-entry table under the default policy:
#              two new keys per SYN, so the table is full and every SYN
#              inserts and evicts, out of cache (each rx queue holds the
#              capture in mbufs: ~2.3 GB per queue)
#
# Rates are frames received per second over SECONDS (default 4) after a
# 2 s warm-up: testpmd's port counters ("show port stats all"), mxgate-dp's
# own counters over its control socket. The contenders run in turn, ROUNDS
# times (default 3), and the best run of each counts: on a shared machine
# other load only ever slows a run down.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
DP=${DP:-$BUILD/bin/mxgate-dp}
DPCTL=$BUILD/tools/dpctl
DPPCAP=$BUILD/tools/dp_pcap
TESTPMD=${TESTPMD:-$(command -v dpdk-testpmd)}
MEASURE=${1:-4} # seconds measured per run
ROUNDS=${2:-3}  # runs per contender; the best one counts
WARM=2
tmp=$(mktemp -d)
prefix=mxgbench-$$
trap 'rm -rf "$tmp" /var/run/dpdk/$prefix*' EXIT

for t in "$DP" "$DPCTL" "$DPPCAP" "$TESTPMD"; do
	[ -x "$t" ] || { echo "bench-dp: $t missing"; exit 1; }
done

"$DPPCAP" gen "$tmp/benign.pcap" benign 4096 1
"$DPPCAP" gen "$tmp/synflood.pcap" synflood 4096 2
"$DPPCAP" gen "$tmp/empty.pcap" mix 0
SPOOFED=${SPOOFED:-1000000}
"$ROOT/build/tools/mxgate-scenario" spoofed spoofed.rate="$SPOOFED/s" \
	spoofed.duration=1 "$tmp/spoofed.pcap"
POLICY=$ROOT/tests/integration/dp/policy-mix.json

EAL="--no-huge --no-pci -m 1024 --log-level=pmd.net.pcap:error"
# infinite_rx holds the whole capture in mbufs
BIG_EAL="--no-huge --no-pci -m 12000 --log-level=pmd.net.pcap:error"
eal() { [ "$1" = spoofed ] && echo "$BIG_EAL" || echo "$EAL"; }
mbufs() { # SCENARIO QUEUES: each rx queue holds a copy of the capture
	[ "$1" = spoofed ] && echo $((SPOOFED * ${2:-1} + 100000)) || echo 32768
}
policy() {
	[ "$1" = spoofed ] && echo "$ROOT/control/examples/default.json" ||
		echo "$POLICY"
}

vdevs() { # SCENARIO QUEUES
	local q=$2 i rx=""
	case $1 in
	null)
		echo "--vdev net_null0 --vdev net_null1"
		;;
	*)
		for i in $(seq "$q"); do rx="$rx,rx_pcap=$tmp/$1.pcap"; done
		echo "--vdev net_pcap0${rx},infinite_rx=1" \
			"--vdev net_pcap1,rx_pcap=$tmp/empty.pcap"
		;;
	esac
}

# testpmd io forwarding on lcores 0-1 (1 forwarding core): frames/s,
# from its port counters ("show port stats all") taken $MEASURE s apart.
run_testpmd() { # SCENARIO
	local out=$tmp/tp.out
	{
		sleep "$WARM"
		echo "show port stats all"
		sleep "$MEASURE"
		echo "show port stats all"
		sleep 0.5
		echo quit
	} | {
		# shellcheck disable=SC2046
		timeout -s INT -k 5 $((WARM + MEASURE + 40)) "$TESTPMD" -l 0-1 \
			$(eal "$1") --file-prefix "$prefix-tp" $(vdevs "$1" 1) \
			-- -i --forward-mode=io --auto-start \
			--total-num-mbufs "$(mbufs "$1")" >"$out" 2>&1
	}
	cp "$out" "$tmp/tp-$1.out"
	# Rx-pps of both ports in the second show: testpmd's own rate since
	# the first show, timed by itself (its start-up delays the first)
	awk '/Rx-pps:/ { v[k++] = $2 }
	     END { if (k < 4) { print 0; exit } printf "%.0f\n", v[2] + v[3] }' "$out"
}

# mxgate-dp on LCORES (main + workers): frames/s from its own counters
# over the control socket, taken $MEASURE s apart.
run_dp() { # SCENARIO LCORES QUEUES
	local sock=$tmp/ctl.sock r0 r1 t0 t1 pid
	rm -f "$sock"
	# shellcheck disable=SC2046
	timeout -s INT -k 5 $((WARM + MEASURE + 40)) "$DP" --lcores "$2" \
		$(eal "$1") --file-prefix "$prefix-dp" $(vdevs "$1" "$3") -- \
		--policy "$(policy "$1")" --control "$sock" --rx-queues "$3" \
		--mbufs "$(mbufs "$1" "$3")" --table-entries 1048576 \
		>"$tmp/dp.json" 2>"$tmp/dp.err" &
	pid=$!
	for _ in $(seq 300); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	if [ ! -S "$sock" ]; then
		echo "bench-dp: mxgate-dp did not start:" >&2
		tail -3 "$tmp/dp.err" >&2
		kill -INT "$pid" 2>/dev/null
		wait "$pid"
		echo 0
		return
	fi
	sleep "$WARM"
	t0=$(date +%s.%N)
	r0=$("$DPCTL" dpstats "$sock" | grep -o '"rx": [0-9]*' | grep -o '[0-9]*$')
	sleep "$MEASURE"
	t1=$(date +%s.%N)
	r1=$("$DPCTL" dpstats "$sock" | grep -o '"rx": [0-9]*' | grep -o '[0-9]*$')
	kill -INT "$pid"
	wait "$pid"
	awk -v a="$r0" -v b="$r1" -v s="$t0" -v e="$t1" \
		'BEGIN { printf "%.0f\n", (b - a) / (e - s) }'
}

# best of ROUNDS runs, interleaved with the other contenders
best() { printf "%s\n" "$@" | sort -n | tail -1; }

mpps() { awk -v v="$1" 'BEGIN { printf "%.2f", v / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo "bench-dp: $(nproc) cores; per run ${MEASURE}s measured after ${WARM}s;" \
	"best of $ROUNDS interleaved runs"
echo "bench-dp: testpmd io and mxgate-dp (1 worker) on lcores 0-1;"
echo "bench-dp: 2 workers = --lcores 0@0,1@1,2@0 (the second worker shares"
echo "bench-dp: core 0 with the mostly idle control thread)"
printf "%-10s %14s %16s %8s %16s %8s\n" scenario "testpmd Mpps" \
	"mxgate-dp 1w" ratio "mxgate-dp 2w" "2w/1w"
for sc in ${SCENARIOS:-null benign synflood spoofed}; do
	tps=() d1s=() d2s=()
	for _ in $(seq "$ROUNDS"); do
		tps+=("$(run_testpmd "$sc")")
		d1s+=("$(run_dp "$sc" 0@0,1@1 1)")
		d2s+=("$(run_dp "$sc" 0@0,1@1,2@0 2)")
	done
	tp=$(best "${tps[@]}")
	d1=$(best "${d1s[@]}")
	d2=$(best "${d2s[@]}")
	printf "%-10s %14s %16s %8s %16s %8s\n" "$sc" "$(mpps "$tp")" \
		"$(mpps "$d1")" "$(ratio "$d1" "$tp")" "$(mpps "$d2")" \
		"$(ratio "$d2" "$d1")"
done
