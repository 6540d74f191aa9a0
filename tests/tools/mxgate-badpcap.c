// SPDX-License-Identifier: BSD-3-Clause
/* mxgate-badpcap: see badpcap.c and --help. */
#include "badpcap.h"

int main(int argc, char **argv)
{
	return badpcap_main(argc, argv);
}
