/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the init's plan parser (the format of abi.h) on any bytes. */
#include <errno.h>

#include "fuzz.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct plan plan;
	/* plan_parse writes a NUL at buf[len]: exactly one byte more. */
	char *buf = malloc(size + 1);
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	r = plan_parse(&plan, buf, size);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -EPROTO || r == -E2BIG);
	if (r == 0) {
		fuzz_touch(plan.kernel);
		for (size_t i = 0; i < plan.n_modules; i++) {
			const struct plan_module *m = &plan.modules[i];
			const char *cursor = m->deps;
			long d;

			FUZZ_ASSERT(*m->name && m->path[0] == '/');
			fuzz_touch(m->params);
			while ((d = plan_next_dep(&cursor)) >= 0)
				FUZZ_ASSERT((size_t)d < i);
		}
		for (size_t i = 0; i < plan.n_aliases; i++) {
			FUZZ_ASSERT(plan.aliases[i].module < plan.n_modules);
			fuzz_touch(plan.aliases[i].pattern);
		}
	}
	free(buf);
	return 0;
}
