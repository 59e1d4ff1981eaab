/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the fsck/usr helper's fstab reader and mount-option filter, on any text. */
#include "fsck/fstab.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	struct fstab_entry e;
	char out[1024];

	if (fstab_find(text, "/usr", &e) == 0) {
		fuzz_touch(e.spec);
		fuzz_touch(e.type);
		FUZZ_ASSERT(*e.type);
		if (fstab_kernel_options(e.opts, out, sizeof(out)) == 0)
			FUZZ_ASSERT(strlen(out) <= strlen(e.opts));
		(void)fstab_has_option(e.opts, "bind");
	}
	free(text);
	return 0;
}
