/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test tool: the init's own plan parser, built for the host, writing the plan back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/*
 * init-plan-dump < PLAN
 *     Parse the plan with init/plan.c and print it again from the parsed fields only,
 *     in the format of abi/abi.h. A plan the init reads completely comes out byte for
 *     byte as it went in, less its F records (facts for the logs, which the init
 *     skips); exit 1 naming the line when the init refuses it.
 */

static char buf[ABI_PLAN_MAX_BYTES + 1];

static const char *flag_letters(unsigned flags, char *out)
{
	static const struct {
		unsigned flag;
		char letter;
	} letters[] = {
		{PLAN_ALWAYS, ABI_FLAG_ALWAYS},
		{PLAN_MATCH, ABI_FLAG_MATCH},
		{PLAN_OPTIONAL, ABI_FLAG_OPTIONAL},
		{PLAN_SOFTDEP, ABI_FLAG_SOFTDEP},
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (flags & letters[i].flag)
			out[n++] = letters[i].letter;
	if (!n)
		out[n++] = '-';
	out[n] = '\0';
	return out;
}

int main(void)
{
	struct plan plan;
	char flags[8];
	size_t len = fread(buf, 1, sizeof(buf) - 1, stdin);
	int r = plan_parse(&plan, buf, len);

	if (r < 0) {
		fprintf(stderr, "init-plan-dump: the init refuses the plan at line %zu: %s\n",
			plan.line, strerror(-r));
		return 1;
	}
	printf("%s\t%d\n", ABI_PLAN_MAGIC, ABI_PLAN_VERSION);
	if (plan.kernel && plan.kernel[0])
		printf("%c\t%s\n", ABI_REC_KERNEL, plan.kernel);
	for (size_t i = 0; i < plan.n_modules; i++) {
		const struct plan_module *m = &plan.modules[i];

		printf("%c\t%s\t%s\t%s\t%s\t%s\n", ABI_REC_MODULE, m->name, m->path,
		       flag_letters(m->flags, flags), m->deps[0] ? m->deps : "-", m->params);
	}
	for (size_t i = 0; i < plan.n_aliases; i++)
		printf("%c\t%s\t%u\n", ABI_REC_ALIAS, plan.aliases[i].pattern,
		       plan.aliases[i].module);
	return 0;
}
