#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fail when the init is not a static ELF or is larger than the budget.
set -euo pipefail
bin=$1 limit=$2
size=$(stat -c %s "$bin")
if readelf -lW "$bin" | grep -q 'INTERP'; then
	echo "size: error: '$bin' asks for a dynamic loader: it must be static" >&2
	exit 1
fi
if readelf -dW "$bin" 2>/dev/null | grep -q NEEDED; then
	echo "size: error: '$bin' needs shared libraries: it must be static" >&2
	exit 1
fi
if [ "$size" -gt "$limit" ]; then
	echo "size: error: '$bin' is $size bytes, over the budget of $limit" >&2
	exit 1
fi
echo "size: '$bin' is static and $size bytes (budget $limit)"
