// SPDX-License-Identifier: BSD-3-Clause
#include "summary.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <sys/socket.h>

#include "mxgate/pkt.h"

void mxg_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

const char *mxg_addr_str(uint8_t family, const uint8_t addr[16], char *buf,
			 size_t len)
{
	if (!inet_ntop(family == MXG_AF_INET ? AF_INET : AF_INET6, addr, buf,
		       (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

int mxg_summary_write(FILE *f, const struct mxg_policy_header *image,
		      const struct mxg_counters *c,
		      const struct mxg_top_entry *top, uint32_t n_top)
{
	const struct mxg_totals *t = &c->totals;
	const struct mxg_rule *rules = mxg_policy_rules(image);
	char addr[64];
	uint32_t i;

	fprintf(f,
		"{\"packets\": %" PRIu64 ", \"forwarded\": %" PRIu64
		", \"unparsed\": %" PRIu64 ", \"smtp_syns\": %" PRIu64
		", \"smtp_passed\": %" PRIu64 ", \"smtp_dropped\": %" PRIu64
		", \"reset\": %" PRIu64 ", \"would_drop\": %" PRIu64
		", \"parser_limit\": %" PRIu64
		", \"parser_limit_dropped\": %" PRIu64
		", \"parser_limit_would_drop\": %" PRIu64
		", \"reset_suppressed\": %" PRIu64 ", \"rules\": [",
		t->packets, t->forwarded, t->unparsed, t->smtp_syns,
		t->smtp_passed, t->smtp_dropped, t->reset, t->would_drop,
		t->parser_limit, t->parser_limit_dropped,
		t->parser_limit_would_drop, t->reset_suppressed);
	for (i = 0; i < image->n_rules && i < MXG_RULES_MAX; i++) {
		const struct mxg_rule_counters *rc = &c->rules[i];

		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		mxg_json_string(f, rules[i].name);
		fprintf(f,
			", \"matched\": %" PRIu64 ", \"passed\": %" PRIu64
			", \"dropped\": %" PRIu64 ", \"would_drop\": %" PRIu64
			", \"reset\": %" PRIu64 "}",
			rc->matched, rc->passed, rc->dropped, rc->would_drop,
			rc->reset);
	}
	fprintf(f, "], \"top_sources\": [");
	for (i = 0; i < n_top; i++)
		fprintf(f,
			"%s{\"src\": \"%s\", \"syns\": %" PRIu64
			", \"dropped\": %" PRIu64 "}",
			i ? ", " : "",
			mxg_addr_str(top[i].family, top[i].addr, addr,
				     sizeof(addr)),
			top[i].syns, top[i].dropped);
	fprintf(f, "]}\n");
	return ferror(f) ? -EIO : 0;
}
