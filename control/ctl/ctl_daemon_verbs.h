/* SPDX-License-Identifier: BSD-3-Clause */
/* mxgatectl's verbs that talk to mxgated (ctl_daemon_verbs.c). */
#ifndef MXGATE_CTL_DAEMON_VERBS_H
#define MXGATE_CTL_DAEMON_VERBS_H

/* Exit statuses, stable (README "mxgatectl"). */
#define CTL_EXIT_OK	  0 /* done */
#define CTL_EXIT_FAIL	  1 /* refused or failed; the reason on stderr */
#define CTL_EXIT_USAGE	  2 /* bad arguments */
#define CTL_EXIT_NODAEMON 3 /* mxgated unreachable, or a broken reply */
#define CTL_EXIT_DENIED	  4 /* mxgated refused this user */

int verb_status(int argc, char **argv);
int verb_stats(int argc, char **argv);
int verb_top(int argc, char **argv);
int verb_reload(int argc, char **argv);
int verb_block(int argc, char **argv);
int verb_allow(int argc, char **argv);
int verb_unblock(int argc, char **argv);
int verb_unallow(int argc, char **argv);
int verb_list(int argc, char **argv);
int verb_brake(int argc, char **argv);

#endif
