/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the configuration parser on any bytes; errors must carry file:line:col. */
#include <errno.h>

#include "conf.h"
#include "fuzz.h"

/* "fuzz.conf:LINE:COL: message" */
static void check_message(const char *msg)
{
	unsigned line, col;
	int n = 0;

	FUZZ_ASSERT(sscanf(msg, "fuzz.conf:%u:%u: %n", &line, &col, &n) == 2);
	FUZZ_ASSERT(line >= 1 && col >= 1 && n > 0 && msg[n] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *conf;
	struct conf_error err = {{0}};
	int r;

	if (conf_new(&conf) < 0)
		return 0;
	r = conf_load_string(conf, (const char *)data, size, "fuzz.conf", conf_main_keys,
			     &err);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM);
	if (r == -EINVAL)
		check_message(err.message);
	/* A second pass over the same values: KEY+= appends, KEY= replaces. */
	if (r == 0)
		(void)conf_load_string(conf, (const char *)data, size, "fuzz.conf", NULL, &err);
	const struct strv *keys = conf_keys(conf);
	for (size_t i = 0; i < keys->n; i++) {
		const struct strv *v = conf_get(conf, keys->v[i]);
		FUZZ_ASSERT(v);
		for (size_t j = 0; j < v->n; j++)
			fuzz_touch(v->v[j]);
		fuzz_touch(conf_get_string(conf, keys->v[i]));
	}
	const struct strv *w = conf_warnings(conf);
	for (size_t i = 0; i < w->n; i++)
		FUZZ_ASSERT(fuzz_touch(w->v[i]) > 0);
	conf_free(conf);
	return 0;
}
