/* SPDX-License-Identifier: BSD-3-Clause */
/* The DESIGN §4 summary JSON, written the same way by every engine. */
#ifndef MXGATE_SUMMARY_H
#define MXGATE_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "mxgate/counters.h"
#include "mxgate/policy.h"
#include "top_sources.h"

/*
 * Write {"packets": ..., "rules": [...], "top_sources": [...]} and a
 * newline. Rules are those of 'image' in order; 'top' holds n_top
 * sources already ranked. Returns 0 or -EIO.
 */
int mxg_summary_write(FILE *f, const struct mxg_policy_header *image,
		      const struct mxg_counters *c,
		      const struct mxg_top_entry *top, uint32_t n_top);

/* Write s as a JSON string literal (with quotes). */
void mxg_json_string(FILE *f, const char *s);

/* Format an address ("192.0.2.1", "2001:db8::1") into buf (>= 46 bytes). */
const char *mxg_addr_str(uint8_t family, const uint8_t addr[16], char *buf,
			 size_t len);

#endif /* MXGATE_SUMMARY_H */
