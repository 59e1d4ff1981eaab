#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# build/unzstd, the decompressor a generic image runs on the modules it loads (abi.h
# 'u'): real modules of the Debian kernel fixture round-trip through zstd(1); corrupt,
# truncated, padded, size-less and misnamed inputs each fail with one line naming the
# file, never leave a module or a temporary file behind, and do not stop the others.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
cd "$T_TMP" || exit 1
t_fixture
UNZSTD=$B/unzstd
[ -x "$UNZSTD" ] || { t_fail "no $UNZSTD (make)"; exit 1; }

mods=$(find "$KROOT/lib/modules/$KVER/kernel" -name 'ext4.ko' -o -name 'virtio_blk.ko' \
	-o -name 'btrfs.ko' | sort)
t_check "three fixture modules found" test "$(printf '%s\n' "$mods" | wc -l)" -eq 3
for m in $mods; do
	zstd -q -19 "$m" -o "$(basename "$m").zst"
done
"$UNZSTD" ./*.ko.zst >run.out 2>&1
t_check "round trip: exit 0" test $? -eq 0
t_check "round trip: nothing said" test ! -s run.out
for m in $mods; do
	n=$(basename "$m")
	t_check "round trip: $n identical" cmp -s "$m" "$n"
	t_check "round trip: $n.zst kept (modules.dep names it)" test -e "$n.zst"
done
t_check "no temporary file left" test -z "$(ls ./*tmp* 2>/dev/null)"

# Bad inputs, all in one run with a good one: each named, the good one done anyway.
zstd -q -3 "$(printf '%s\n' "$mods" | head -n1)" -o good.ko.zst
n=$(stat -c %s good.ko.zst)
head -c $((n / 2)) good.ko.zst >trunc.ko.zst
cp good.ko.zst corrupt.ko.zst
printf 'garbage!' | dd of=corrupt.ko.zst bs=1 seek=$((n / 2)) conv=notrunc status=none
{ cat good.ko.zst; printf 'x'; } >padded.ko.zst
printf 'not zstd at all' >notzstd.ko.zst
head -c 100000 /dev/urandom | zstd -q --no-check - | cat >nosize.ko.zst # a pipe: no size
cp good.ko.zst misnamed.ko
: >empty.ko.zst
"$UNZSTD" trunc.ko.zst corrupt.ko.zst padded.ko.zst notzstd.ko.zst nosize.ko.zst \
	misnamed.ko empty.ko.zst missing.ko.zst good.ko.zst >bad.out 2>&1
t_check "bad inputs: exit 1" test $? -eq 1
t_grep "truncated: named" "module 'trunc\.ko\.zst' is not a whole zstd frame" bad.out
t_grep "corrupt: named" "module 'corrupt\.ko\.zst' is corrupt: " bad.out
t_grep "trailing bytes: named" "module 'padded\.ko\.zst' has 1 bytes after its zstd frame" bad.out
t_grep "not zstd: named" "module 'notzstd\.ko\.zst' is not a whole zstd frame" bad.out
t_grep "no size: named" "module 'nosize\.ko\.zst' does not say a decompressed size" bad.out
t_grep "misnamed: named" "'misnamed\.ko' is not a module file name ending in '\.zst'" bad.out
t_grep "empty: named" "module 'empty\.ko\.zst' is not a non-empty regular file" bad.out
t_grep "missing: named" "cannot open module 'missing\.ko\.zst': ENOENT" bad.out
t_check "one line per bad file" test "$(wc -l <bad.out)" -eq 8
t_check "the good one is done anyway" cmp -s good.ko "$(printf '%s\n' "$mods" | head -n1)"
for b in trunc corrupt padded notzstd nosize empty; do
	t_check "$b: no half module" test ! -e $b.ko
	t_check "$b: input kept" test -e $b.ko.zst
done
t_check "no temporary file left after failures" test -z "$(ls ./*tmp* 2>/dev/null)"

# ENOSPC: a full tmpfs (as the initramfs can be) names the module, leaves nothing.
# The tmpfs holds the compressed module and 64 KiB more, far less than it decompresses to.
mkdir full
zstd -q -3 btrfs.ko -o big.ko.zst
n=$(stat -c %s big.ko.zst)
if mount -t tmpfs -o size=$(((n / 4096 + 17) * 4096)) tmpfs full 2>/dev/null; then
	cp big.ko.zst full/
	"$UNZSTD" full/big.ko.zst >full.out 2>&1
	t_check "full filesystem: exit 1" test $? -eq 1
	t_grep "full filesystem: names the module and ENOSPC" "cannot write module 'full/big\.ko': ENOSPC" full.out
	t_check "full filesystem: no half module" test -z "$(ls full | grep -v '\.zst$')"
	umount full
else
	echo "# skip ENOSPC: cannot mount a tmpfs here"
fi

"$UNZSTD" >none.out 2>&1
t_check "no argument: exit 1" test $? -eq 1
t_grep "no argument: says what it expects" "expected 'unzstd MODULE\.ko\.zst\.\.\.'" none.out
t_report
