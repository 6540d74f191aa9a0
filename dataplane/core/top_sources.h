/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Top sources: per-source connection attempts and drops in bounded
 * memory, with the space-saving algorithm (Metwally et al.): exact while
 * the number of distinct sources is at most the capacity; beyond it the
 * least active source is replaced and its count inherited as an upper
 * bound ('error'). Single-threaded: each worker keeps its own and a
 * reader merges them.
 */
#ifndef MXGATE_TOP_SOURCES_H
#define MXGATE_TOP_SOURCES_H

#include <stdint.h>

struct mxg_top_entry {
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	uint8_t family;	  /* MXG_AF_INET or MXG_AF_INET6 */
	uint8_t pad[7];
	uint64_t syns;	  /* connection attempts */
	uint64_t dropped; /* attempts dropped or reset */
	uint64_t error;	  /* over-count bound inherited on replacement */
	uint64_t first_ns;
	uint64_t last_ns;
};

struct mxg_top_sources;

/* Track up to 'capacity' sources. 0, -EINVAL or -ENOMEM. */
int mxg_top_create(struct mxg_top_sources **out, uint32_t capacity);
void mxg_top_destroy(struct mxg_top_sources *t);

/* One attempt from addr at now_ns; 'dropped' if it was dropped/reset. */
void mxg_top_update(struct mxg_top_sources *t, uint8_t family,
		    const uint8_t addr[16], int dropped, uint64_t now_ns);

/* Prefetch where mxg_top_update() will look for this source. */
void mxg_top_prefetch(const struct mxg_top_sources *t, uint8_t family,
		      const uint8_t addr[16]);

/* Add every source of src into dst. */
void mxg_top_merge(struct mxg_top_sources *dst,
		   const struct mxg_top_sources *src);

/* Number of sources tracked now, and whether any was ever replaced. */
uint32_t mxg_top_count(const struct mxg_top_sources *t);
int mxg_top_is_exact(const struct mxg_top_sources *t);

/* The rank of mxg_top_sorted(), a qsort comparator of struct
 * mxg_top_entry: most dropped, then most attempts, then family and
 * address. */
int mxg_top_cmp_rank(const void *a, const void *b);

/*
 * Copy up to n sources into out, by attempts dropped, then attempts, then
 * address (so the order is deterministic). Returns how many were copied.
 */
uint32_t mxg_top_sorted(const struct mxg_top_sources *t,
			struct mxg_top_entry *out, uint32_t n);

#endif /* MXGATE_TOP_SOURCES_H */
