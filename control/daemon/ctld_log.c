// SPDX-License-Identifier: BSD-3-Clause
/* mxgated logging: levelled, prefixed, rate-limited per call site. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "mxgated.h"

static int log_syslog;
static int log_max = LOG_LVL_INFO;

void log_init(int use_syslog, int max_level)
{
	log_syslog = use_syslog;
	log_max = max_level;
	if (use_syslog)
		openlog("mxgated", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_s(void)
{
	return (int64_t)time(NULL);
}

void log_msg(struct log_site *site, int level, const char *module,
	     const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "notice",
					     "info" };
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE,
				    LOG_INFO };
	int64_t now = mono_ms();
	char msg[1024], tail[64] = "";
	va_list ap;

	if (level > log_max)
		return;
	if (now - site->window_start >= LOG_SITE_WINDOW_MS ||
	    !site->window_start) {
		site->window_start = now;
		site->in_window = 0;
	}
	if (site->in_window >= LOG_SITE_BURST) {
		site->suppressed++;
		return;
	}
	site->in_window++;
	if (site->suppressed) {
		snprintf(tail, sizeof(tail), " (%u similar suppressed)",
			 site->suppressed);
		site->suppressed = 0;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_syslog)
		syslog(prio[level], "%s: %s%s", module, msg, tail);
	else
		fprintf(stderr, "mxgated: %s: %s: %s%s\n", names[level], module,
			msg, tail);
}

void strv_add(struct strv *s, const char *fmt, ...)
{
	char **nv, *line;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		return;
	nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
	if (!nv) {
		free(line);
		return;
	}
	s->v = nv;
	s->v[s->n++] = line;
}

void strv_free(struct strv *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
