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

/* One connection attempt, kept for the HTML report's timelines. */
struct replay_attempt {
	uint64_t ts_ns;
	uint8_t addr[16];
	uint8_t family;
	uint8_t verdict;
	int16_t rule;
	uint32_t pad;
};

struct replay_report_input {
	const char *capture; /* input file name */
	const char *policy;  /* policy file, or "built-in default" */
	const char *engine;  /* "core" or "xdp" */
	const struct mxg_engine *engine_state;
	const struct mxg_counters *counters;
	const struct mxg_top_sources *top;
	const struct replay_attempt *attempts;
	uint64_t n_attempts;	    /* stored */
	uint64_t n_attempts_all;    /* seen; more than stored if capped */
	uint64_t first_ns, last_ns; /* capture time range */
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
