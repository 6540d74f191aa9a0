// SPDX-License-Identifier: BSD-3-Clause
/*
 * Name-to-value tables for the policy's string enums, and the edit
 * distance behind "did you mean" hints. No other stage, no cJSON.
 */
#include <string.h>

#include "policy_names.h"

int pol_enum_value(const struct pol_enum *tab, const char *name)
{
	for (; tab->name; tab++)
		if (!strcmp(tab->name, name))
			return tab->value;
	return -1;
}

const char *pol_enum_name(const struct pol_enum *tab, int value)
{
	for (; tab->name; tab++)
		if (tab->value == value)
			return tab->name;
	return "?";
}

unsigned int pol_edit_distance(const char *a, const char *b)
{
	unsigned int row[33], i, j, la = (unsigned int)strlen(a),
				    lb = (unsigned int)strlen(b);

	if (la > 32 || lb > 32)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned int diag = row[0], up;

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned int best;

			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}
