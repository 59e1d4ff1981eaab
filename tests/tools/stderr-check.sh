#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs "$MKINITRAMFS_BIN" "$@" with stdout and stderr passed through unchanged, and
# appends the command line to $T_SILENT_LOG when it exits non-zero (not by a signal)
# having printed nothing on stderr: tests/lib.sh installs it as $MKINITRAMFS for every
# suite, and t_report fails the suite for each line. TERM (timeout) and INT are passed
# on.
# Run as another user (setpriv) that cannot write the log: run unchecked.
[ -w "$T_SILENT_LOG" ] || exec "$MKINITRAMFS_BIN" "$@"
err=$(mktemp "$T_SILENT_LOG.XXXXXX") || exec "$MKINITRAMFS_BIN" "$@"
# Bash starts a background job with SIGINT ignored, and the generator keeps an ignored
# SIGINT ignored (nohup-style): give it back the disposition our caller gave us.
defsig=--default-signal=INT
[ -n "$(trap -p INT)" ] && defsig=--ignore-signal=INT
exec 3> >(exec tee "$err" >&2)
tee_pid=$!
env "$defsig" "$MKINITRAMFS_BIN" "$@" <&0 2>&3 &
child=$!
exec 3>&-
trap 'kill -TERM $child 2>/dev/null' TERM
trap 'kill -INT $child 2>/dev/null' INT
wait $child
rc=$?
# A trapped signal ends the first wait early: wait for the generator itself.
while kill -0 $child 2>/dev/null; do
	wait $child
	rc=$?
done
wait $tee_pid
if [ $rc -ne 0 ] && [ $rc -lt 128 ] && [ ! -s "$err" ]; then
	{
		printf 'exit %s, nothing on stderr:' "$rc"
		printf ' %q' "$@"
		echo
	} >>"$T_SILENT_LOG"
fi
rm -f "$err"
exit $rc
