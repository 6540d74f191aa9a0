/* SPDX-License-Identifier: BSD-3-Clause */
/* mxgatectl's verbs that talk to mxgated (ctl_daemon_verbs.c). */
#ifndef MXGATE_CTL_DAEMON_VERBS_H
#define MXGATE_CTL_DAEMON_VERBS_H

/* Each returns an exit status, enum mxg_exit of cli.h (stable, README
 * "mxgatectl"): 0 done, 1 refused or failed (the reason on stderr),
 * 2 bad arguments, 3 mxgated unreachable or a broken reply, 4 mxgated
 * refused this user. */

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
