/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * Internet checksum (RFC 1071) for the RST the appliance sends back,
 * shared by the core engine and the XDP program. Sums big-endian 16-bit
 * words; callers fold and complement.
 */
#ifndef MXGATE_CSUM_H
#define MXGATE_CSUM_H

#include "compat.h"

/* Add len bytes at p (len < 256 in BPF: bounded loop). */
MXG_INLINE uint32_t mxg_csum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

MXG_INLINE uint16_t mxg_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

#endif /* MXGATE_CSUM_H */
