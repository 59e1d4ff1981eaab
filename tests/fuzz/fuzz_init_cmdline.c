/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the init's kernel command line parser, and root= specs, on any text. */
#include "cmdline.h"
#include "fuzz.h"
#include "root.h"

static void touch_root(const char *text)
{
	struct root_spec spec;

	if (root_spec_parse(text, &spec) == 0)
		FUZZ_ASSERT(spec.value && (spec.kind == ROOT_DEVNUM || *spec.value));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cmdline c;
	char *text = fuzz_strndup(data, size);
	size_t pos;

	cmdline_parse(&c, text);
	FUZZ_ASSERT(c.n_args <= CMDLINE_MAX_ARGS && c.n_blacklist <= CMDLINE_MAX_BLACKLIST);
	FUZZ_ASSERT(strlen(text) < CMDLINE_MAX || c.truncated);
	for (size_t i = 0; i < c.n_args; i++)
		fuzz_touch(c.args[i]);
	fuzz_touch(c.rootfstype);
	fuzz_touch(c.rootflags);
	fuzz_touch(c.init);
	if (c.root)
		touch_root(c.root);
	for (size_t i = 0; i < c.n_blacklist; i++) {
		FUZZ_ASSERT(*c.blacklist[i]);
		FUZZ_ASSERT(cmdline_blacklisted(&c, c.blacklist[i]));
	}
	/* Parameters of every module the line names, and of one it may not. */
	for (size_t i = 0; i < c.n_args; i++) {
		char mod[64];
		size_t n = strcspn(c.args[i], ".=");
		if (n >= sizeof(mod))
			continue;
		memcpy(mod, c.args[i], n);
		mod[n] = '\0';
		pos = 0;
		while (cmdline_next_modparam(&c, mod, &pos))
			FUZZ_ASSERT(pos <= c.n_args);
	}
	pos = 0;
	while (cmdline_next_modparam(&c, "nbd", &pos))
		;
	touch_root(text);
	free(text);
	return 0;
}
