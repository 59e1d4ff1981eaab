/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unlock LUKS devices as they appear, inside the root wait's event loop: a key file or
 * a passphrase asked on the console, fed to the image's cryptsetup on a pipe.
 */
#ifndef INIT_UNLOCK_H
#define INIT_UNLOCK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "crypt.h"
#include "root.h"

#define UNLOCK_TRIES 3

/* The requests to serve (kept, not copied) and the console to ask on. */
void unlock_init(struct crypt_conf *conf, const char *console);
/* A block device was probed: queue it when a request names it; note opened volumes. */
void unlock_device(const struct root_dev *dev);
/* The descriptors the loop should poll for us (the console while a prompt waits). */
size_t unlock_pollfds(struct pollfd *pfd, size_t cap);
/* Some of those are ready (or a child exited: call with n = 0 after SIGCHLD). */
void unlock_ready(const struct pollfd *pfd, size_t n);
/* A prompt or a cryptsetup runs: the root timeout waits for it. */
bool unlock_busy(void);
/* < 0 when a device could not be unlocked (every try failed): the boot stops. */
int unlock_error(void);
/* After the rescue shell: the devices that failed are tried (and asked for) again. */
void unlock_retry(void);
/* Log the requests whose device never appeared or never opened. */
void unlock_log_pending(int level);
/* Before switching root: hear the last cryptsetup, forget the passphrase. */
void unlock_finish(void);

#endif
