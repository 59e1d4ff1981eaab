#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Never rebuild for nothing, never lose the old image: the inputs record next to an
# image makes a rebuild with unchanged inputs a timed no-op; every kind of changed input
# (a module parameter, compression, SOURCE_DATE_EPOCH, the image itself) rebuilds; files
# changed without changing what they hold (a module touched, copied, its ctime; the
# record lost) build again and leave the image, the same bytes, as it was, unless its
# mode or links differ; --force rewrites; a full disk keeps the old image.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
W=$T_TMP
# A private copy of the module tree, to change modules without touching the fixture:
# hard links would change the fixture files' ctimes, and symbolic links to the fixture
# are, under -r, looked up inside the root (where they lead nowhere).
R=$W/root
mkdir -p "$R/lib/modules"
cp -a "$KROOT/lib/modules/$KVER" "$R/lib/modules/"
NBD=$(modinfo -b "$R" -k "$KVER" -n nbd)
cp --remove-destination "$NBD" "$NBD.tmp" && mv "$NBD.tmp" "$NBD"
cat >"$W/c.conf" <<'CONF'
MODULES=(virtio_pci virtio_blk ext4 "nbd nbds_max=8")
CONF
IMG=$W/out/initrd.img
mkdir -p "$W/out"
mk() { "${MK:-$MKINITRAMFS}" -k "$KVER" -r "$R" -c "$W/c.conf" -g "$IMG" "$@" >"$W/log" 2>&1; }
ident() { stat -c '%i %s %Y' "$IMG"; }
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

mk
t_check "first build writes the image" test -s "$IMG"
t_check "and its inputs record" test -s "$IMG.inputs"
t_grep "record: format line" '^mkinitramfs-inputs 3$' "$IMG.inputs"
t_grep "record: the image's size, CRC-64, inode, mtime and ctime" \
	"^image $(stat -c %s "$IMG") [0-9a-f]{16} $(stat -c '%i %.9Y %.9Z' "$IMG" | sed 's/\./\\./g')\$" "$IMG.inputs"
t_grep "record: the kernel" "^kernel $KVER$" "$IMG.inputs"
t_grep "record: a module with its file identity" \
	"^main lib/modules/$KVER/.*/nbd\.ko [0-7]+ file $NBD [0-9]+ [0-9.]+ [0-9.]+ [0-9]+ [0-9]+$" \
	"$IMG.inputs"
t_grep "record: generated data (the plan) with its CRC-64" '^main [^ ]*plan [0-7]+ data [0-9]+ [0-9a-f]{16}$' \
	"$IMG.inputs"

before=$(ident)
mk
t_grep "unchanged inputs: skipped, and said so" "'$IMG' is up to date" "$W/log"
t_check "unchanged inputs: image untouched" test "$(ident)" = "$before"
mk -f
t_grep "--force rebuilds" "wrote '$IMG'" "$W/log"
t_check "--force rewrites the same bytes" test "$(ident)" != "$before"

rebuilds() {
	local what=$1
	shift
	mk "$@"
	t_grep "$what: rebuilt" "wrote '$IMG'" "$W/log"
	mk "$@"
	t_grep "$what: then up to date again" "is up to date" "$W/log"
}
# same WHAT: files changed, not what they hold: the build runs and comes out the same,
# the image stays as it was (inode, times), and the record is made again.
same() {
	local what=$1 was
	was=$(stat -c '%i %s %.9Y %.9Z' "$IMG")
	mk
	t_grep "$what: built again, the same bytes" \
		"'$IMG' is up to date: built again, it came out the same" "$W/log"
	t_check "$what: the image left as it was" test "$(stat -c '%i %s %.9Y %.9Z' "$IMG")" = "$was"
	mk
	t_grep "$what: then up to date again" "is up to date" "$W/log"
}
touch "$NBD"
same "a module's mtime changed"
cp -p "$NBD" "$NBD.new" && mv "$NBD.new" "$NBD"
same "a module replaced by a copy with the same mtime"
chmod 600 "$NBD" && chmod 644 "$NBD"
same "a module's ctime changed (mtime restored)"
# The same bytes under another mode or with a second name: renamed over, as before.
touch "$NBD" && chmod 644 "$IMG"
rebuilds "a module touched, the image's mode changed"
t_check "... and the image is 0600 again" test "$(stat -c %a "$IMG")" = 600
touch "$NBD" && ln "$IMG" "$W/img.link"
rebuilds "a module touched, the image hard-linked"
t_check "... the other name keeps the old image" test "$(stat -c %h "$W/img.link")" = 1
rm "$W/img.link"
sed -i 's/nbds_max=8/nbds_max=9/' "$W/c.conf"
rebuilds "a module parameter changed"
rebuilds "another compression" -z gzip
SOURCE_DATE_EPOCH=1700000000 rebuilds "SOURCE_DATE_EPOCH changed"
cp "$MKINITRAMFS_BIN" "$W/mkinitramfs-copy"
MK=$W/mkinitramfs-copy MKINITRAMFS_INIT=$B/init MKINITRAMFS_HOOKS_DIR=$TOP/hooks/build rebuilds "another mkinitramfs binary"
mk >/dev/null
printf 'x' | dd of="$IMG" bs=1 seek=100 conv=notrunc status=none
rebuilds "the image corrupted"
truncate -s -1 "$IMG"
rebuilds "the image truncated"
rm "$IMG"
rebuilds "the image deleted"
rm "$IMG.inputs"
same "the record deleted"
t_check "the record deleted: made again" test -s "$IMG.inputs"
sed -i 's/^kernel /kernel x/' "$IMG.inputs"
same "the record altered"
echo 'MODULES+=(no_such_module)' >>"$W/c.conf"
cp "$IMG" "$W/img.saved"
mk
t_check "a failing build exits non-zero" test $? -ne 0
t_check "and keeps the image byte for byte" cmp -s "$W/img.saved" "$IMG"
sed -i '$d' "$W/c.conf"
mk
t_grep "the inputs record survived the failure: still up to date" "is up to date" "$W/log"

# ---- timing: a generic image (block + filesystems hooks), real build vs no-op ----------
G=$W/out/generic.img
# From the private copy: suites running alongside hard-link the fixture (cp -al), which
# changes its files' ctimes and makes a no-op re-record them.
gen() { "$MKINITRAMFS" -q -k "$KVER" -r "$R" -c "$TOP/mkinitramfs.conf" -S autodetect -g "$G" "$@"; }
t0=$(date +%s%N)
gen -f
build_ms=$(ms "$t0")
gident() { stat -c '%i %s %Y %Z' "$G" "$G.inputs"; }
before=$(gident)
t0=$(date +%s%N)
gen
noop_ms=$(ms "$t0")
t0=$(date +%s%N)
gen -v >"$W/noop.log" 2>&1
noop2_ms=$(ms "$t0")
# Times are information only (a loaded or instrumented machine skews them); the ratio
# against a real build is measured side by side in `make bench`.
echo "# generic image $(($(stat -c %s "$G") / 1024)) KiB, $(grep -c '^main ' "$G.inputs") entries:" \
	"real build ${build_ms} ms, no-op ${noop_ms} ms and ${noop2_ms} ms"
t_grep "generic image, unchanged inputs: said to be up to date" "'$G' is up to date" "$W/noop.log"
t_check "generic image, unchanged inputs: image and record untouched" test "$(gident)" = "$before"

# ---- a full disk: the old image stays ---------------------------------------------------
# A private mount namespace: the small tmpfs goes away with it, whatever happens.
unshare -m bash -s "$MKINITRAMFS" "$KVER" "$KROOT" "$W" >"$W/enospc.log" 2>&1 <<'SH'
set -u
mk=$1 kver=$2 kroot=$3 w=$4
mkdir -p "$w/small" && mount -t tmpfs -o size=1200k tmpfs "$w/small" || exit 3
echo 'MODULES=(virtio_blk)' >"$w/small.conf"
"$mk" -k "$kver" -r "$kroot" -c "$w/small.conf" -g "$w/small/i.img" || exit 4
cp "$w/small/i.img" "$w/small.saved"
echo 'MODULES=(virtio_blk ext4 xfs btrfs)' >"$w/small.conf"
"$mk" -k "$kver" -r "$kroot" -c "$w/small.conf" -g "$w/small/i.img"
echo "exit $?"
cmp "$w/small.saved" "$w/small/i.img" && echo "old image kept"
ls -a "$w/small" | grep -v '^\.\.\?$' | tr '\n' ' '; echo
SH
rc=$?
sed 's/^/    | /' "$W/enospc.log"
if [ $rc -eq 3 ]; then
	t_fail "full disk: cannot mount a tmpfs here (needs root and a mount namespace)"
else
	t_grep "full disk: the build fails" '^exit 1$' "$W/enospc.log"
	t_grep "full disk: the reason is given" 'No space left on device' "$W/enospc.log"
	t_grep "full disk: the old image is kept byte for byte" '^old image kept$' "$W/enospc.log"
	t_grep "full disk: no temporary file left" '^i\.img i\.img\.inputs $' "$W/enospc.log"
fi
