#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The oracle closure test (moddep_oracle.sh) on Debian 13's 6.12 tree: every module's
# closure equals what Debian 13's modprobe (kmod 34) --show-depends loads, over .ko.xz
# files under a merged /usr.
ORACLE_KERNEL=trixie exec bash "$(dirname "$0")/moddep_oracle.sh"
