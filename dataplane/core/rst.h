/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP RST the appliance sends back for a 'reset' verdict: addresses,
 * ports and MACs swapped, VLAN tags kept, RST+ACK with seq 0 and
 * ack = the SYN's seq + 1 (+ any SYN payload), fresh IPv4/IPv6 and TCP
 * headers with correct checksums.
 */
#ifndef MXGATE_RST_H
#define MXGATE_RST_H

#include <stddef.h>
#include <stdint.h>

#include "mxgate/pkt.h"

/* Largest RST frame: Ethernet, two tags, IPv6, TCP. */
#define MXG_RST_MAX (14 + 8 + 40 + 20)

/*
 * Build into out (cap bytes) the RST answering frame[0..len), parsed as
 * p. The frame starts at its Ethernet header when 'ethernet' is set,
 * otherwise at p->l3_off (no link layer is written then). Returns the
 * RST's length, or 0 when none can be built (no TCP sequence number, as
 * in a tiny fragment; or cap too small).
 */
size_t mxg_rst_build(const uint8_t *frame, size_t len, const struct mxg_pkt *p,
		     int ethernet, uint8_t *out, size_t cap);

/*
 * The same RST, byte for byte, written over the Ethernet frame
 * frame[0..len) it answers (parsed as p), which may be written up to
 * frame[room): MACs swapped in place, tags and ethertype kept, then the
 * IP and TCP headers (the SYN's are read from p, not from the frame).
 * Returns the RST's length, or 0, with nothing written, when none can be
 * built or room is short of p->l3_off + MXG_RST_HDR_MAX. mxgate-dp
 * answers in the SYN's own mbuf: no allocation, no copy.
 */
size_t mxg_rst_rewrite(uint8_t *frame, size_t len, size_t room,
		       const struct mxg_pkt *p);

#endif /* MXGATE_RST_H */
