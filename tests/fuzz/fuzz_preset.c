/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: a preset file of any bytes; either a preset or one error message. */
#include <errno.h>

#include "fuzz.h"
#include "preset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_as_file(data, size, NULL);
	struct conf_error err = {{0}};
	struct preset *p = NULL;
	int r;

	r = preset_load(path, "/nonexistent", &p, &err);
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL || r == -ENOMEM || r == -EFBIG);
		if (r == -EINVAL)
			FUZZ_ASSERT(err.message[0] != '\0');
		return 0;
	}
	FUZZ_ASSERT(p->count > 0);
	for (size_t i = 0; i < p->count; i++) {
		const struct preset_image *img = &p->images[i];
		FUZZ_ASSERT(img->name && img->image && img->kver);
		fuzz_touch(img->config);
		fuzz_touch(img->compress);
		for (size_t j = 0; j < img->add_hooks.n; j++)
			fuzz_touch(img->add_hooks.v[j]);
		for (size_t j = 0; j < img->skip_hooks.n; j++)
			fuzz_touch(img->skip_hooks.v[j]);
	}
	preset_free(p);
	return 0;
}
