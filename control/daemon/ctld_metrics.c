// SPDX-License-Identifier: BSD-3-Clause
/*
 * The Prometheus page, served by libmicrohttpd from its own thread. The
 * event loop renders the page after every poll of the engine and
 * publishes it here; the HTTP thread only copies it under a mutex, so a
 * slow or hostile scraper never touches the daemon's state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "ctld_ext.h"
#include "mxgated.h"

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
