/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: a hook file of any bytes, loaded and described as -H would. */
#include <errno.h>

#include "fuzz.h"
#include "hooks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct strv dirs = STRV_INIT;
	struct conf_error err = {{0}};
	struct hook *hook = NULL;
	char name[16];
	int fd, r;

	if (!devnull && !(devnull = fopen("/dev/null", "we")))
		abort();
	(void)fuzz_as_file(data, size, &fd);
	/* The hook "N" in the directory /proc/self/fd is our input. */
	snprintf(name, sizeof(name), "%d", fd);
	if (strv_push(&dirs, "/proc/self/fd") < 0)
		return 0;
	r = hooks_load(name, &dirs, &hook, &err);
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL || r == -ENOMEM || r == -EFBIG);
		if (r == -EINVAL)
			FUZZ_ASSERT(strncmp(err.message, "/proc/self/fd/", 14) == 0);
	} else {
		hooks_describe(hook, devnull);
		hooks_free(hook);
	}
	strv_clear(&dirs);
	return 0;
}
