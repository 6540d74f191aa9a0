// SPDX-License-Identifier: BSD-3-Clause
/* mxgate-replay's capture reader: see replay_capture.h. */
#include "replay_capture.h"

#include <pcap/dlt.h>

pcap_t *replay_capture_open(const char *path, char *err)
{
	return pcap_open_offline_with_tstamp_precision(
		path, PCAP_TSTAMP_PRECISION_NANO, err);
}

pcap_t *replay_capture_fopen(FILE *f, char *err)
{
	return pcap_fopen_offline_with_tstamp_precision(
		f, PCAP_TSTAMP_PRECISION_NANO, err);
}

int replay_capture_linktype_ok(int linktype)
{
	switch (linktype) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return 1;
	default:
		return 0;
	}
}

void replay_capture_parse(int linktype, const uint8_t *data, uint32_t caplen,
			  struct mxg_pkt *p)
{
	const uint8_t *end = data + caplen;

	switch (linktype) {
	case DLT_EN10MB:
		mxg_parse_eth(data, end, p);
		return;
	case DLT_LINUX_SLL:
		mxg_pkt_reset(p);
		if (caplen < 16) {
			p->status = MXG_PKT_ERR_ETH;
			return;
		}
		mxg_parse_ethertype(data, end, 16, mxg_load_be16(data + 14), p);
		return;
	case DLT_LINUX_SLL2:
		mxg_pkt_reset(p);
		if (caplen < 20) {
			p->status = MXG_PKT_ERR_ETH;
			return;
		}
		mxg_parse_ethertype(data, end, 20, mxg_load_be16(data), p);
		return;
	case DLT_IPV4:
		mxg_pkt_reset(p);
		mxg_parse_l3(data, end, 0, MXG_ETH_P_IPV4, p);
		return;
	case DLT_IPV6:
		mxg_pkt_reset(p);
		mxg_parse_l3(data, end, 0, MXG_ETH_P_IPV6, p);
		return;
	default: /* DLT_RAW */
		mxg_pkt_reset(p);
		mxg_parse_l3(data, end, 0, 0, p);
		return;
	}
}
