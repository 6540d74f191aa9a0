/* SPDX-License-Identifier: BSD-3-Clause */
/* mxgate-replay internals shared between its source files. */
#ifndef MXGATE_REPLAY_H
#define MXGATE_REPLAY_H

#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "src_table.h"
#include "top_sources.h"

/* Offenders the report lists when --top is not given. */
#define REPLAY_REPORT_TOP_DEFAULT 20

/*
 * The HTML report's timelines, streamed: per-bin counts of attempts,
 * drops and would-drops in REPLAY_BINS fixed bins whose width (a whole
 * number of seconds) doubles, merging neighbours, whenever an attempt
 * falls past the last one; and the same for up to REPLAY_TRACKED sources,
 * chosen by the space-saving algorithm on attempts (every source with
 * more than 1/REPLAY_TRACKED of the attempts is kept; a source that took
 * over a slot has its timeline from then on). Memory is fixed, whatever
 * the capture's length (about 800 KB).
 */
#define REPLAY_BINS    512
#define REPLAY_TRACKED 64

struct replay_series {
	uint64_t att[REPLAY_BINS];
	uint64_t drop[REPLAY_BINS];
	uint64_t would[REPLAY_BINS];
};

struct replay_tracked {
	uint8_t addr[16];
	uint8_t family;
	uint8_t used;
	uint8_t pad[6];
	uint64_t count;	   /* attempts, plus the count it took over */
	uint64_t since_ns; /* first attempt counted in its bins */
	uint64_t taken;	   /* the space-saving error: count it took over */
	struct replay_series s;
};

struct replay_bins {
	uint64_t origin_ns; /* bin 0 starts here (the first attempt) */
	uint64_t bin_s;	    /* width of a bin, seconds (1, 2, 4, ...) */
	uint32_t n_used;    /* bins up to the last attempt */
	uint32_t n_tracked;
	uint64_t n_attempts;
	struct replay_series all;
	struct replay_tracked tracked[REPLAY_TRACKED];
};

/* Start empty; add one attempt (in capture order, any timestamps). */
void replay_bins_init(struct replay_bins *b);
void replay_bins_add(struct replay_bins *b, uint64_t ts_ns, uint8_t family,
		     const uint8_t addr[16], uint8_t verdict);

struct replay_report_input {
	const char *capture; /* input file name */
	const char *policy;  /* policy file, or "built-in default" */
	const char *engine;  /* "core" or "xdp" */
	const struct mxg_engine *engine_state;
	const struct mxg_counters *counters;
	const struct mxg_top_sources *top;
	const struct replay_bins *bins; /* NULL: no timelines */
	uint64_t first_ns, last_ns;	/* capture time range */
	/* The core engine's source table; NULL for --engine xdp. */
	const struct mxg_src_table_stats *table_stats;
	uint64_t table_capacity;
	uint32_t top_n; /* offenders the report lists */
};

/* Write the self-contained HTML report. Returns 0 or a negative errno. */
int replay_report_write(FILE *f, const struct replay_report_input *in);

/* A short human summary: what was dropped, by which rule, top offenders. */
int replay_explain_write(FILE *f, const struct replay_report_input *in);

/* "allow", "deny", "limit, reset"... and "20/min, burst 10, per host". */
const char *replay_action_name(const struct mxg_rule *r);
void replay_limit_text(const struct mxg_rule *r, char *buf, size_t len);

#endif /* MXGATE_REPLAY_H */
