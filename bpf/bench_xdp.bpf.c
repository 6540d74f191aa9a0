// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/*
 * Helpers of the XDP benchmark (tests/bench/xdp_bench.c, `make bench`);
 * not part of the product.
 *
 *   bench_pass   the XDP_PASS baseline.
 *   bench_flood  a random-source SYN flood under BPF_PROG_TEST_RUN, whose
 *                repeated runs all see one buffer: writes a new IPv4
 *                source address into the frame (a counter, scrambled),
 *                then tail-calls the program under test in bench_target.
 *                Every program is measured through it alike, so its own
 *                cost is in every figure of the flood row.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_target SEC(".maps");

__u32 bench_seq;

SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("xdp")
int bench_flood(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u32 src;

	/* Ethernet, IPv4: the source address at bytes 26..29. */
	if (data + 34 > end)
		return XDP_ABORTED;
	src = ++bench_seq * 2654435761u; /* a bijection: no repeat in 2^32 */
	data[26] = (__u8)(src >> 24);
	data[27] = (__u8)(src >> 16);
	data[28] = (__u8)(src >> 8);
	data[29] = (__u8)src;
	bpf_tail_call(ctx, &bench_target, 0);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
