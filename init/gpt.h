/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a partition's entry from a GPT disk, primary table or backup. */
#ifndef INIT_GPT_H
#define INIT_GPT_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"

/*
 * Entry `partno` (1-based) of the GPT on the disk open at `fd`, whose logical blocks
 * are `bs` bytes; `buf` (`cap` bytes, at least 4 KiB) is scratch space. Returns 0,
 * -ENOENT (no such partition, unused entry, no table), -EBADMSG (both tables damaged)
 * or the read error.
 */
int gpt_find_partition(int fd, uint8_t *buf, size_t cap, unsigned long bs,
		       unsigned partno, struct probe_part *ret);

#endif
