#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A target that cannot take the image, through the command line: a filesystem that fills
# up mid-write, a read-only one, a directory we may not write, a directory that does not
# exist. Each gives one clear error, exits 1, keeps the old image and leaves no
# temporary file. Then the security of the output: 0600 whatever the umask, symlinks
# under the temporary name are replaced, one at the target refused, never written
# through.
# Runs in a private mount namespace: its tmpfs mounts vanish with it.
source "$(dirname "$0")/../lib.sh"
if [ -z "${ROBUST_IN_NS:-}" ]; then
	if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
		exec unshare -m --propagation private env ROBUST_IN_NS=root bash "$0"
	elif unshare -rm --propagation private true 2>/dev/null; then
		exec unshare -rm --propagation private env ROBUST_IN_NS=user bash "$0"
	fi
	echo "# no mount namespace available: tmpfs checks skipped"
fi
t_tmpdir
chmod 755 "$T_TMP"
cd "$T_TMP"
V=1.0-test
t_basic_tree root "$V"
# 256 KiB that do not compress: the new image cannot fit in a 160 KiB filesystem.
head -c 262144 /dev/urandom >root/etc/big
printf 'MODULES=(chain_a)\n' >old.conf
printf 'MODULES=(chain_a nbd)\nFILES=(/etc/big)\n' >new.conf
mk() { "$MKINITRAMFS" -q -k "$V" -r root "$@"; }
mk -c old.conf -g old.img || { t_fail "reference build"; exit 1; }
temps() { find "$1" -maxdepth 1 -name ".*.tmp.*" | wc -l; }

# expect_refusal NAME DIR PATTERN ARGS...: exit 1, one error line matching PATTERN,
# the old image at DIR/initrd.img intact, no temporary file in DIR.
expect_refusal() {
	local name=$1 dir=$2 pattern=$3
	shift 3
	mk "$@" >err.txt 2>&1
	local rc=$?
	t_check "$name: exit 1 ($rc)" [ "$rc" = 1 ]
	t_grep "$name: says what is wrong" "$pattern" err.txt
	t_check "$name: one error line ($(grep -c 'error:' err.txt))" \
		[ "$(grep -c 'error:' err.txt)" = 1 ]
	if [ -e "$dir/initrd.img" ]; then
		t_check "$name: old image kept" cmp -s "$dir/initrd.img" old.img
	fi
	[ -d "$dir" ] && t_check "$name: no temporary file left" [ "$(temps "$dir")" = 0 ]
}

if [ -n "${ROBUST_IN_NS:-}" ]; then
	mkdir small
	mount -t tmpfs -o size=160k tmpfs small || t_fail "mount a small tmpfs"
	cp old.img small/initrd.img
	expect_refusal "full filesystem" small "cannot write image 'small/initrd.img': No space left on device" \
		-c new.conf -g small/initrd.img
	t_check "full filesystem: space is free again" [ "$(df --output=used -k small | tail -n1)" -lt 100 ]
	mount -o remount,ro small || t_fail "remount read-only"
	expect_refusal "read-only filesystem" small "cannot write image 'small/initrd.img': Read-only file system" \
		-c old.conf -g small/initrd.img
	umount small
fi

mkdir locked
cp old.img locked/initrd.img
chmod 555 locked
if [ "${ROBUST_IN_NS:-}" = root ] || [ "$(id -u)" = 0 ]; then
	# root writes anywhere: drop to nobody for this one
	if [ "$(id -u)" = 0 ] && [ "${ROBUST_IN_NS:-}" != user ] &&
		setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		mk_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$MKINITRAMFS" -q -k "$V" -r root "$@"; }
		mk_nobody -c old.conf -g locked/initrd.img >err.txt 2>&1
		rc=$?
		t_check "unwritable directory: exit 1 ($rc)" [ "$rc" = 1 ]
		t_grep "unwritable directory: says what is wrong" \
			"cannot write image 'locked/initrd.img': Permission denied" err.txt
		t_check "unwritable directory: one error line" [ "$(grep -c 'error:' err.txt)" = 1 ]
		t_check "unwritable directory: old image kept" cmp -s locked/initrd.img old.img
	else
		echo "# cannot drop root: unwritable-directory check skipped"
	fi
else
	expect_refusal "unwritable directory" locked \
		"cannot write image 'locked/initrd.img': Permission denied" -c old.conf -g locked/initrd.img
fi
chmod 755 locked

expect_refusal "missing directory" . "the directory 'no/such' does not exist" \
	-c old.conf -g no/such/initrd.img
t_check "missing directory: not created" [ ! -e no ]
mkdir adir
expect_refusal "target is a directory" . "cannot write image 'adir': that is a directory" \
	-c old.conf -g adir

# --- the output's security -----------------------------------------------------------
mkdir sec
(umask 000 && mk -c old.conf -g sec/initrd.img)
t_check "image is 0600 even with umask 000 ($(stat -c %a sec/initrd.img))" \
	[ "$(stat -c %a sec/initrd.img)" = 600 ]
# Stop the build at every step (SIGSTOP at each crash point) and look at the temporary
# file: never readable by others, even with umask 000.
n=$(MKINITRAMFS_TEST_KILL_AT=list mk -c new.conf -g sec/list.img 2>&1 | grep -c '^crashpoint ')
seen=0 bad=0
for ((i = 1; i <= n; i++)); do
	(umask 000 && MKINITRAMFS_TEST_KILL_SIGNAL=STOP MKINITRAMFS_TEST_KILL_AT=$i \
		exec "$MKINITRAMFS_BIN" -q --force -k "$V" -r root -c new.conf -g sec/watched.img) &
	pid=$!
	for ((w = 0; w < 1000; w++)); do
		[ "$(awk '{ print $3 }' /proc/$pid/stat 2>/dev/null)" = T ] && break
		sleep 0.005
	done
	for f in sec/.watched.img.tmp.*; do
		[ -e "$f" ] || continue
		seen=$((seen + 1))
		[ "$(stat -c %a "$f")" = 600 ] || bad=$((bad + 1))
	done
	kill -CONT $pid
	wait $pid
done
t_check "temporary file seen stopped at $seen of $n steps" [ "$seen" -gt 5 ]
t_check "the temporary file is 0600 at every step (umask 000)" [ "$bad" = 0 ]
t_check "the watched image is 0600" [ "$(stat -c %a sec/watched.img)" = 600 ]

# Links planted under the temporary names and at the target are replaced, not followed.
echo "victim" >victim
cp victim victim.orig
for s in AAAAAA zzzzzz Ab12Cd; do ln -s ../victim "sec/.initrd.img.tmp.$s"; done
ln -s ../victim sec/linked.img
mk --force -c old.conf -g sec/initrd.img
mk --force -c old.conf -g sec/linked.img 2>err.txt
rc=$?
t_check "planted temporary-name symlinks are removed" [ "$(temps sec)" = 0 ]
t_check "the file they pointed to is untouched" cmp -s victim victim.orig
t_check "a symlink at the target is refused, not followed nor replaced ($rc)" [ "$rc" = 1 ]
t_grep "the refusal names the link" "cannot write image 'sec/linked.img': it is a symbolic link" err.txt
t_check "the symlink stays" [ -L sec/linked.img ]
t_check "the symlink's target is untouched" cmp -s victim victim.orig
