// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/*
 * Runs the shared parser and token bucket inside BPF, so the build proves
 * they compile for the BPF target and the tests can compare their
 * results, through BPF_PROG_TEST_RUN, with the userspace build.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "mxgate/bucket.h"
#include "mxgate/pkt.h"

struct bucket_probe {
	__u64 state;
	__u64 now_ns;
	struct mxg_bucket_params params;
	__u64 next;
	__u32 conform;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxg_pkt);
} parsed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bucket_probe);
} bucket_io SEC(".maps");

/* The connection-attempt test uses these ports. */
const volatile __u16 smtp_ports[4] = { 25, 465, 587, 0 };

SEC("xdp")
int parse_frame(struct xdp_md *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *end = (const __u8 *)(long)ctx->data_end;
	__u32 zero = 0;
	struct mxg_pkt *p = bpf_map_lookup_elem(&parsed, &zero);

	if (!p)
		return XDP_ABORTED;
	mxg_parse_eth(data, end, p);
	return mxg_pkt_is_smtp_syn(p, (const __u16 *)smtp_ports, 3, 4) ?
		       XDP_DROP :
		       XDP_PASS;
}

SEC("xdp")
int bucket_step(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct bucket_probe *b = bpf_map_lookup_elem(&bucket_io, &zero);
	__u64 next;

	(void)ctx;
	if (!b)
		return XDP_ABORTED;
	b->conform = mxg_bucket_take(b->state, b->now_ns, &b->params, &next);
	b->next = next;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
