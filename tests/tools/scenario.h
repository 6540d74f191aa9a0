/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The scenario generator behind mxgate-scenario, as a function so the
 * unit tests run it in-process under the sanitizers. See
 * tests/tools/README.md for the scenarios and the manifest.
 */
#ifndef MXGATE_TESTS_SCENARIO_H
#define MXGATE_TESTS_SCENARIO_H

/* Exit statuses of scen_main. */
#define SCEN_EXIT_OK	0
#define SCEN_EXIT_IO	1 /* a file could not be written */
#define SCEN_EXIT_USAGE 2 /* bad arguments; one line on stderr */

/*
 * Run mxgate-scenario with this command line (argv[0] is the program
 * name). Returns one of the SCEN_EXIT_* statuses.
 */
int scen_main(int argc, char **argv);

#endif
