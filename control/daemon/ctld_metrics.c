// SPDX-License-Identifier: BSD-3-Clause
/*
 * The Prometheus page, served by libmicrohttpd from its own thread. The
 * event loop renders the page after every poll of the engine and
 * publishes it here; the HTTP thread only copies it under a mutex, so a
 * slow or hostile scraper never touches the daemon's state.
 *
 * Also the lines of the text format (Prometheus 0.0.4) that every part
 * of the page is written with: ctld_main.c, ctld_bgp.c, ctld_feeds.c and
 * ctld_auto.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "ctld_ext.h"
#include "mxgated.h"

/* ---- the text format ---- */

void metric_family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metric_label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* A sample's value: counters as integers (exact below 2^53), the rest
 * as %.9g. */
static void value(FILE *f, double v)
{
	if (v >= -9e15 && v <= 9e15 && v == (double)(int64_t)v)
		fprintf(f, "%" PRId64 "\n", (int64_t)v);
	else
		fprintf(f, "%.9g\n", v);
}

void metric_sample(FILE *f, const char *name, const char *labels, double v)
{
	if (labels)
		fprintf(f, "%s{%s} ", name, labels);
	else
		fprintf(f, "%s ", name);
	value(f, v);
}

void metric_one(FILE *f, const char *name, const char *type, const char *help,
		double v)
{
	metric_family(f, name, type, help);
	metric_sample(f, name, NULL, v);
}

void metric_labelled(FILE *f, const char *name, const char *type,
		     const char *help, const char *label,
		     const char *const *values, const double *v, size_t n)
{
	size_t i;

	metric_family(f, name, type, help);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s{%s=\"%s\"} ", name, label, values[i]);
		value(f, v[i]);
	}
}

/* ---- the pages served ---- */

static pthread_mutex_t page_lock = PTHREAD_MUTEX_INITIALIZER;
static char *page;	/* GET /metrics */
static char *drop_page; /* GET /drop.txt (ctld_feeds.c) */
static struct MHD_Daemon *httpd;

/* Replace the page at *slot with a copy of text (on ENOMEM the old one
 * stays). */
static void publish(char **slot, const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return;
	memcpy(copy, text, len);
	copy[len] = '\0';
	pthread_mutex_lock(&page_lock);
	free(*slot);
	*slot = copy;
	pthread_mutex_unlock(&page_lock);
}

void metrics_publish(const char *text, size_t len)
{
	publish(&page, text, len);
}

void metrics_publish_drop(const char *text, size_t len)
{
	publish(&drop_page, text, len);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_len, void **con_cls)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned int code = MHD_HTTP_OK;
	char *body;
	size_t len;

	(void)cls;
	(void)version;
	(void)upload;
	(void)con_cls;
	if (*upload_len)
		return MHD_NO;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		body = strdup("method not allowed\n");
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (!strcmp(url, "/drop.txt")) {
		pthread_mutex_lock(&page_lock);
		body = strdup(drop_page ? drop_page : "; no offenders yet\n");
		pthread_mutex_unlock(&page_lock);
	} else if (strcmp(url, "/metrics") && strcmp(url, "/")) {
		body = strdup("not found: try /metrics or /drop.txt\n");
		code = MHD_HTTP_NOT_FOUND;
	} else {
		pthread_mutex_lock(&page_lock);
		body = strdup(page ? page : "");
		pthread_mutex_unlock(&page_lock);
	}
	if (!body)
		return MHD_NO;
	len = strlen(body);
	resp = MHD_create_response_from_buffer(len, body,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
				"text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

int metrics_start(const char *addr, uint16_t port)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port) };
	struct sockaddr_in s4 = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_ERROR_LOG;
	const struct sockaddr *sa;

	if (inet_pton(AF_INET, addr, &s4.sin_addr) == 1) {
		sa = (const struct sockaddr *)&s4;
	} else if (inet_pton(AF_INET6, addr, &s6.sin6_addr) == 1) {
		sa = (const struct sockaddr *)&s6;
		flags |= MHD_USE_IPv6;
	} else {
		LOG(ERR, "metrics", "--metrics: \"%s\" is not an IP address",
		    addr);
		return -EINVAL;
	}
	httpd = MHD_start_daemon(flags, port, NULL, NULL, answer, NULL,
				 MHD_OPTION_SOCK_ADDR, sa,
				 MHD_OPTION_CONNECTION_LIMIT, 16u,
				 MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				 MHD_OPTION_END);
	if (!httpd) {
		LOG(ERR, "metrics", "cannot listen on %s port %u", addr,
		    (unsigned int)port);
		return -EADDRINUSE;
	}
	return 0;
}

void metrics_stop(void)
{
	if (httpd)
		MHD_stop_daemon(httpd);
	httpd = NULL;
	pthread_mutex_lock(&page_lock);
	free(page);
	page = NULL;
	free(drop_page);
	drop_page = NULL;
	pthread_mutex_unlock(&page_lock);
}
