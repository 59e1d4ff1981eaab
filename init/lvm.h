/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LVM: activate volume groups with the image's lvm (the plan's L record) each time a
 * physical volume appears, as a child of the event loop; the logical volumes come back
 * as dm block devices and are probed in turn.
 */
#ifndef INIT_LVM_H
#define INIT_LVM_H

#include <stdbool.h>

#include "cmdline.h"
#include "plan.h"
#include "root.h"

/* What to run (the plan) and what to limit it to (rd.lvm.vg=, rd.lvm.lv=). */
void lvm_init(const struct plan *plan, const struct cmdline *cmd);
/*
 * A block device was probed for the first time: a PV starts lvm (again, once the
 * running one is done).
 */
void lvm_device(const struct root_dev *dev);
/* After SIGCHLD: reap lvm, start the next run when a PV came meanwhile. */
void lvm_reap(void);
/* lvm runs or is to run: the root is not mounted before it is done. */
bool lvm_busy(void);
/* When the root did not appear: what lvm did with the PVs seen. */
void lvm_log_pending(int level);

#endif
