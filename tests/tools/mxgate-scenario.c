// SPDX-License-Identifier: BSD-3-Clause
/* mxgate-scenario: see scenario.c, tests/tools/README.md and --help. */
#include "scenario.h"

int main(int argc, char **argv)
{
	return scen_main(argc, argv);
}
