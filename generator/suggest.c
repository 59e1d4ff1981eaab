/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "Did you mean": the closest known word to a misspelt one. */
#include <ctype.h>
#include <string.h>

#include "suggest.h"

#define SUGGEST_MAX 64 /* longer words are not compared: no real name is that long */

unsigned suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[SUGGEST_MAX + 1];

	if (la > SUGGEST_MAX || lb > SUGGEST_MAX)
		return 255;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = tolower((unsigned char)a[i - 1]) !=
					tolower((unsigned char)b[j - 1]);
			unsigned best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] > 255 ? 255 : row[lb];
}

static int is_prefix(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t n = la < lb ? la : lb;
	return n >= 3 && strncasecmp(a, b, n) == 0;
}

const char *suggest_closest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	unsigned best_d = 255;

	for (size_t i = 0; i < n && candidates[i]; i++) {
		unsigned d = suggest_distance(word, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	if (!best)
		return NULL;
	size_t longer = strlen(word) > strlen(best) ? strlen(word) : strlen(best);
	unsigned limit = (unsigned)((longer + 2) / 3); /* a third, rounded up */
	return best_d <= limit || is_prefix(word, best) ? best : NULL;
}
