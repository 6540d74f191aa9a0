// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxg-xdp-pass IFACE: ready the far end of a test veth pair for XDP.
 *
 *  - Attach a two-instruction XDP_PASS program in native mode: a veth
 *    delivers frames sent to it by XDP (XDP_TX, or a redirect from the
 *    other side) only when its peer runs XDP itself. It stays attached
 *    until the interface goes away.
 *  - Turn off TX checksum offload, so that the frames IFACE sends carry
 *    full checksums, as frames on a wire do: an XDP redirect passes a
 *    frame on as it is, and a veth would otherwise leave the TCP
 *    checksum to be filled in later.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

static int tx_csum_off(const char *name)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		err = -errno;
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_0,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	unsigned int ifindex;
	int fd, err;

	if (argc != 2) {
		fprintf(stderr, "usage: mxg-xdp-pass IFACE\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "mxg-xdp-pass: no interface \"%s\"\n", argv[1]);
		return 2;
	}
	err = tx_csum_off(argv[1]);
	if (err) {
		fprintf(stderr, "mxg-xdp-pass: %s: TX checksum offload: %s\n",
			argv[1], strerror(-err));
		return 1;
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "mxg_pass", "Dual BSD/GPL", insns,
			   2, NULL);
	if (fd < 0) {
		fprintf(stderr, "mxg-xdp-pass: load: %s\n", strerror(errno));
		return 1;
	}
	err = bpf_xdp_attach((int)ifindex, fd, XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		fprintf(stderr, "mxg-xdp-pass: attach to %s: %s\n", argv[1],
			strerror(-err));
		return 1;
	}
	close(fd);
	return 0;
}
