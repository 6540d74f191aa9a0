// SPDX-License-Identifier: BSD-3-Clause
/*
 * The engine worker: every call that waits on the data plane or on the
 * bypass actuator runs here, never in the operator event loop. mxgate-dp's
 * stats need its workers' mailboxes and may take up to CTLD_DP_TIMEOUT_MS
 * per round trip (or 30 s for an image load); a stopped mxgate-dp would
 * otherwise freeze `status`, `list` and `block` for that long.
 *
 * The loop hands the engine thread two kinds of work under one mutex: an
 * image to push (the newest replaces one not yet taken: only the last
 * generation matters) and a poll (stats, which double as the heartbeat);
 * it does them in that order, so a poll that follows a push sees its
 * generation. The bypass state the loop wants goes to a second thread,
 * so that engaging the bypass never waits behind a poll stuck on a
 * stopped data plane. Both store their results and write the eventfd the
 * loop polls. The struct engine belongs to the engine thread once it
 * runs.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mxgated.h"

#define BYPASS_TIMEOUT_MS 10000

static struct {
	pthread_t tid, btid;
	int running, efd;
	pthread_mutex_t mu;
	pthread_cond_t cv, bcv;
	int stop;
	struct engine *eng;
	const char *const *bypass_argv; /* NULL-terminated, "VERB" at [1] */
	/* work */
	struct mxg_policy_header *image;
	uint64_t image_gen;
	int poll_wanted;
	int bypass_want, bypass_have; /* -1: nothing asked */
	/* results */
	struct worker_result res;
	struct snapshot *snap;	/* the last poll's, for the loop */
	struct snapshot *wsnap; /* the worker's own buffer */
	int busy_poll;
} w = { .mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.bcv = PTHREAD_COND_INITIALIZER };

static void notify(void)
{
	uint64_t one = 1;

	if (write(w.efd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow in practice; nothing to do */
	}
}

/* Run the actuator: 0, -EIO (exit status not 0), -ETIMEDOUT (killed). */
static int run_bypass(int engage)
{
	int64_t deadline = mono_ms() + BYPASS_TIMEOUT_MS;
	char *argv[16];
	int status = 0, i;
	pid_t pid, r;

	for (i = 0; w.bypass_argv[i] && i < 15; i++)
		argv[i] = (char *)w.bypass_argv[i];
	argv[i] = NULL;
	argv[1] = engage ? "engage" : "disengage";
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	while ((r = waitpid(pid, &status, WNOHANG)) == 0) {
		if (mono_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
	if (r < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* A thread of this file: signals go to the loop's signalfd only; it
 * runs with w.mu held but while waiting or in a call that waits. */
static void thread_enter(void)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&w.mu);
}

static void *worker_main(void *arg)
{
	(void)arg;
	thread_enter();
	for (;;) {
		struct mxg_policy_header *image;
		uint64_t gen;
		int poll, rc;
		char why[512];

		while (!w.stop && !w.image && !w.poll_wanted)
			pthread_cond_wait(&w.cv, &w.mu);
		if (w.stop)
			break;
		image = w.image;
		gen = w.image_gen;
		w.image = NULL;
		poll = w.poll_wanted;
		pthread_mutex_unlock(&w.mu);

		if (image) {
			int64_t t0 = mono_ms();

			rc = engine_push(w.eng, image, why, sizeof(why));
			free(image);
			pthread_mutex_lock(&w.mu);
			if (rc) {
				w.res.push_failed++;
				w.res.push_fail_gen = gen;
				w.res.push_rc = rc;
				snprintf(w.res.push_why, sizeof(w.res.push_why),
					 "%s", why);
			} else {
				w.res.push_ok++;
				if (gen > w.res.push_ok_gen)
					w.res.push_ok_gen = gen;
				w.res.push_ms = (double)(mono_ms() - t0);
			}
			pthread_mutex_unlock(&w.mu);
			notify();
		}
		if (poll) {
			rc = engine_poll(w.eng, w.wsnap);
			pthread_mutex_lock(&w.mu);
			w.poll_wanted = 0;
			w.busy_poll = 0;
			w.res.poll_done = 1;
			w.res.poll_rc = rc;
			if (!rc)
				memcpy(w.snap, w.wsnap, sizeof(*w.snap));
			pthread_mutex_unlock(&w.mu);
			notify();
		}
		pthread_mutex_lock(&w.mu);
	}
	pthread_mutex_unlock(&w.mu);
	return NULL;
}

static void *bypass_main(void *arg)
{
	(void)arg;
	thread_enter();
	for (;;) {
		int bypass, rc;

		while (!w.stop &&
		       (w.bypass_want < 0 || w.bypass_want == w.bypass_have))
			pthread_cond_wait(&w.bcv, &w.mu);
		if (w.stop)
			break;
		bypass = w.bypass_want;
		pthread_mutex_unlock(&w.mu);
		rc = run_bypass(bypass);
		pthread_mutex_lock(&w.mu);
		w.res.bypass_done = 1;
		w.res.bypass_engage = bypass;
		w.res.bypass_rc = rc;
		if (!rc)
			w.bypass_have = bypass;
		else
			w.bypass_want = -1; /* asked again by the loop */
		pthread_mutex_unlock(&w.mu);
		notify();
		pthread_mutex_lock(&w.mu);
	}
	pthread_mutex_unlock(&w.mu);
	return NULL;
}

int worker_start(struct engine *e, const char *const *bypass_argv)
{
	int rc;

	w.eng = e;
	w.bypass_argv = bypass_argv;
	w.bypass_want = w.bypass_have = -1;
	w.snap = calloc(1, sizeof(*w.snap));
	w.wsnap = calloc(1, sizeof(*w.wsnap));
	if (!w.snap || !w.wsnap)
		return -ENOMEM;
	w.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w.efd < 0)
		return -errno;
	rc = pthread_create(&w.tid, NULL, worker_main, NULL);
	if (rc)
		return -rc;
	rc = pthread_create(&w.btid, NULL, bypass_main, NULL);
	if (rc)
		return -rc;
	w.running = 1;
	return w.efd;
}

void worker_push(struct mxg_policy_header *image, uint64_t gen)
{
	pthread_mutex_lock(&w.mu);
	free(w.image); /* not taken yet: superseded */
	w.image = image;
	w.image_gen = gen;
	pthread_cond_signal(&w.cv);
	pthread_mutex_unlock(&w.mu);
}

int worker_poll(void)
{
	int queued = 0;

	pthread_mutex_lock(&w.mu);
	if (!w.busy_poll) {
		w.busy_poll = w.poll_wanted = 1;
		queued = 1;
		pthread_cond_signal(&w.cv);
	}
	pthread_mutex_unlock(&w.mu);
	return queued;
}

void worker_bypass(int engage, int bypassed)
{
	pthread_mutex_lock(&w.mu);
	if (w.bypass_have < 0)
		w.bypass_have = bypassed;
	w.bypass_want = engage;
	pthread_cond_signal(&w.bcv);
	pthread_mutex_unlock(&w.mu);
}

void worker_collect(struct worker_result *r, struct snapshot *snap)
{
	uint64_t n;

	if (read(w.efd, &n, sizeof(n)) < 0) {
		/* EAGAIN: collected already */
	}
	pthread_mutex_lock(&w.mu);
	*r = w.res;
	if (w.res.poll_done && !w.res.poll_rc)
		memcpy(snap, w.snap, sizeof(*snap));
	memset(&w.res, 0, sizeof(w.res));
	pthread_mutex_unlock(&w.mu);
}

int worker_stop(int timeout_ms)
{
	struct timespec ts;
	int rc;

	if (!w.running)
		return 1;
	pthread_mutex_lock(&w.mu);
	w.stop = 1;
	pthread_cond_signal(&w.cv);
	pthread_cond_signal(&w.bcv);
	pthread_mutex_unlock(&w.mu);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	rc = pthread_timedjoin_np(w.tid, NULL, &ts);
	if (!rc)
		rc = pthread_timedjoin_np(w.btid, NULL, &ts);
	if (rc)
		return 0; /* still in a call: left to the exit */
	w.running = 0;
	free(w.image);
	free(w.snap);
	free(w.wsnap);
	close(w.efd);
	return 1;
}
