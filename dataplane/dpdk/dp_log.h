/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mxgate-dp logging: levelled (rte_log, logtype "mxgate.dp", so the EAL's
 * --log-level=mxgate.dp:debug applies), a module prefix on every line,
 * all on stderr. DP_LOG_RL is rate-limited per call site: a burst of
 * DP_LOG_RL_BURST lines, then one a second, with the count suppressed.
 */
#ifndef MXGATE_DP_LOG_H
#define MXGATE_DP_LOG_H

#include <stdint.h>

#include <rte_cycles.h>
#include <rte_log.h>

extern int dp_logtype;

#define DP_LOG(level, module, fmt, ...)                                        \
	rte_log(RTE_LOG_##level, dp_logtype,                                   \
		"mxgate-dp: " module ": " fmt "\n", ##__VA_ARGS__)

#define DP_LOG_RL_BURST 5

struct dp_ratelimit {
	uint64_t window_tsc; /* start of the current one-second window */
	uint32_t in_window;
	uint64_t suppressed;
};

/* 1 if a line may be logged now; *suppressed gets the lines skipped. */
static inline int dp_ratelimit_ok(struct dp_ratelimit *rl, uint64_t *skipped)
{
	uint64_t now = rte_get_tsc_cycles();
	uint64_t start = __atomic_load_n(&rl->window_tsc, __ATOMIC_RELAXED);

	*skipped = 0;
	if (now - start > rte_get_tsc_hz()) {
		__atomic_store_n(&rl->window_tsc, now, __ATOMIC_RELAXED);
		__atomic_store_n(&rl->in_window, 0, __ATOMIC_RELAXED);
		*skipped = __atomic_exchange_n(&rl->suppressed, 0,
					       __ATOMIC_RELAXED);
	}
	if (__atomic_fetch_add(&rl->in_window, 1, __ATOMIC_RELAXED) <
	    DP_LOG_RL_BURST)
		return 1;
	__atomic_fetch_add(&rl->suppressed, 1, __ATOMIC_RELAXED);
	return 0;
}

#define DP_LOG_RL(level, module, fmt, ...)                                     \
	do {                                                                   \
		static struct dp_ratelimit rl_;                                \
		uint64_t skipped_;                                             \
		if (dp_ratelimit_ok(&rl_, &skipped_)) {                        \
			if (skipped_)                                          \
				DP_LOG(level, module,                          \
				       "(%" PRIu64 " similar lines "           \
				       "suppressed)",                          \
				       skipped_);                              \
			DP_LOG(level, module, fmt, ##__VA_ARGS__);             \
		}                                                              \
	} while (0)

#endif /* MXGATE_DP_LOG_H */
