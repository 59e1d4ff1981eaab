#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The zstd image as independent frames, and the frame cache: the same bytes with no
# cache, a cold one and a warm one; a config change compresses only the frames whose
# entries changed; corrupt, truncated and foreign cache files are ignored (and
# replaced); a cache directory that is not ours or cannot be made costs one warning and
# writes nothing; the cache stays within its bound; a generic image's modules (zstd
# frames one by one) come from it too. The images read back with bsdtar, zstd, -l and
# -x. (That the kernel unpacks them: the boot scenarios, all zstd.)
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
W=$T_TMP
cd "$W" || exit 1
export SOURCE_DATE_EPOCH=1700000000
printf 'MODULES=(virtio_pci virtio_blk ext4)\nHOOKS=(base)\n' >"$W/host.conf"
printf 'MODULES=(virtio_pci virtio_blk ext4 virtio_net)\nHOOKS=(base)\n' >"$W/more.conf"
C=$W/cache
# mk CONF OUT ARGS...: one -f build, its output (stdout and stderr) in $W/log.
mk() {
	local conf=$1 out=$2
	shift 2
	"$MKINITRAMFS" -k "$KVER" -r "$KROOT" -f -v -c "$conf" -g "$out" "$@" >"$W/log" 2>&1
}
frames() { zstd -lv "$1" 2>/dev/null | sed -n 's/^# Zstandard Frames: //p'; }
reused() { sed -n "s/.*compression cache '.*': \([0-9]* of [0-9]*\) frames reused$/\1/p" "$W/log"; }

t_check "build without a cache" mk "$W/host.conf" "$W/none.img" --no-cache
t_nogrep "--no-cache: no cache line" "compression cache" "$W/log"
n=$(frames "$W/none.img")
t_check "the image is several zstd frames (${n:-none})" test "${n:-0}" -ge 2
t_check "zstd -t reads every frame" zstd -q -t "$W/none.img"
bsdtar -tf "$W/none.img" | sort >"$W/bsdtar.txt"
"$MKINITRAMFS" -l "$W/none.img" | sed -E 's|^[^ ]+ +[0-9]+ /||; s| -> .*||' | sort >"$W/list.txt"
t_check "bsdtar lists what -l lists ($(wc -l <"$W/list.txt") entries)" cmp -s "$W/bsdtar.txt" "$W/list.txt"
"$MKINITRAMFS" -l "$W/none.img" >"$W/list-raw.txt"
t_grep "-l lists the modules" '/lib/modules/.*/ext4\.ko$' "$W/list-raw.txt"
t_nogrep "-l: one archive, no segment header" '^# segment' "$W/list-raw.txt"
mkdir "$W/x"
"$MKINITRAMFS" -x "$W/none.img" "$W/x" >/dev/null 2>&1
ext4=$(modinfo -b "$KROOT" -k "$KVER" -n ext4)
t_check "-x: ext4.ko as in the tree" cmp -s "$W/x/lib/modules/$KVER/${ext4#*/lib/modules/"$KVER"/}" "$ext4"

# The kernel takes one frame per call and refuses one that stops inside an entry; the
# read-back check and -l say so too (a frame ending between entries is fine).
zstd -q -dc "$W/none.img" >"$W/none.cpio"
split_at() {
	{ head -c "$1" "$W/none.cpio" | zstd -q -3 && tail -c +$(($1 + 1)) "$W/none.cpio" |
		zstd -q -3; } >"$2"
}
split_at 1000 "$W/inside.img"
t_run 1 "a frame ending inside an entry is refused" -l "$W/inside.img"
t_grep "inside an entry: names it" "error: cannot list image '.*inside.img': .*a zstd frame ends inside entry 'etc/mkinitramfs/plan' \(at byte 1000 of the archive\): the kernel stops there" out.txt
split_at 116 "$W/between.img" # after the first entry, /bin (110 + 4 bytes, padded)
t_run 0 "a frame ending between entries is read" -l "$W/between.img"
t_check "between entries: every entry listed" cmp -s out.txt <("$MKINITRAMFS" -l "$W/none.img")

t_check "cold cache: builds" mk "$W/host.conf" "$W/cold.img" --cache "$C"
t_check "cold cache: nothing reused ($(reused))" test "$(reused)" = "0 of $n"
t_check "cold cache: the same bytes as without" cmp -s "$W/none.img" "$W/cold.img"
t_check "the cache directory is 0700" test "$(stat -c %a "$C")" = 700
t_check "one entry per frame, each 0600" \
	test "$(find "$C" -name '*.zfc' -perm 0600 | wc -l)" = "$n"
t_check "no temporary file left" test -z "$(find "$C" -name '.*' -type f)"
t_check "warm cache: builds" mk "$W/host.conf" "$W/warm.img" --cache "$C"
t_check "warm cache: every frame reused ($(reused))" test "$(reused)" = "$n of $n"
t_check "warm cache: the same bytes" cmp -s "$W/none.img" "$W/warm.img"
{ cat "$W/host.conf" && echo "COMPRESSION_CACHE=$C"; } >"$W/cached.conf"
t_check "COMPRESSION_CACHE names the cache too" mk "$W/cached.conf" "$W/conf.img"
# The image keeps its configuration (/etc/mkinitramfs/config): that frame changed.
t_check "COMPRESSION_CACHE: all but the configuration's frame reused ($(reused))" \
	test "$(reused)" = "$((n - 1)) of $n"
t_check "MKINITRAMFS_CACHE (the suites' default) is used when nothing names one" \
	env MKINITRAMFS_CACHE="$C" "$MKINITRAMFS" -k "$KVER" -r "$KROOT" -f -v \
	-c "$W/host.conf" -g "$W/env.img" >"$W/log" 2>&1
t_check "MKINITRAMFS_CACHE: every frame reused ($(reused))" test "$(reused)" = "$n of $n"

# A module more: the frames before and after it change, ext4's (its own) does not.
t_check "config change: builds" mk "$W/more.conf" "$W/more.img" --cache "$C"
r=$(reused)
t_check "config change: some frames reused, not all ($r)" \
	test "${r%% *}" -ge 1 -a "${r%% *}" -lt "${r##* }"
t_check "config change: the same bytes as without a cache" \
	mk "$W/more.conf" "$W/more-none.img" --no-cache
t_check "config change: identical images" cmp -s "$W/more.img" "$W/more-none.img"

# Damaged entries: every byte checked, none of them ever reaches an image.
rm -rf "$C" && mk "$W/host.conf" "$W/cold.img" --cache "$C"
mapfile -t entries < <(find "$C" -name '*.zfc' | sort)
cp -a "$C" "$W/good"
damage() {
	local f=$1 how=$2 size
	size=$(stat -c %s "$f")
	case $how in
	flip) printf '\x55' | dd of="$f" bs=1 seek=$((size - 7)) conv=notrunc status=none ;;
	truncate) truncate -s $((size / 2)) "$f" ;;
	header) printf 'X' | dd of="$f" bs=1 seek=3 conv=notrunc status=none ;;
	esac
}
for how in flip truncate header; do
	for f in "${entries[@]}"; do damage "$f" "$how"; done
	t_check "$how: builds" mk "$W/host.conf" "$W/$how.img" --cache "$C"
	t_check "$how: nothing reused ($(reused))" test "$(reused)" = "0 of $n"
	t_check "$how: the same bytes as without a cache" cmp -s "$W/none.img" "$W/$how.img"
	t_check "$how: the entries were replaced by good ones" diff -r "$W/good" "$C"
done
# A foreign entry: a valid file of another frame under this frame's name.
cp "${entries[1]}" "${entries[0]}"
t_check "foreign entry: builds" mk "$W/host.conf" "$W/foreign.img" --cache "$C"
t_check "foreign entry: not reused ($(reused))" test "$(reused)" = "$((n - 1)) of $n"
t_check "foreign entry: the same bytes" cmp -s "$W/none.img" "$W/foreign.img"
# A symlink or FIFO in place of an entry is not followed, not waited on.
rm "${entries[0]}" && mkfifo "${entries[0]}"
t_check "FIFO entry: builds without waiting" timeout 60 \
	"$MKINITRAMFS" -k "$KVER" -r "$KROOT" -f -c "$W/host.conf" -g "$W/fifo.img" --cache "$C"
t_check "FIFO entry: the same bytes" cmp -s "$W/none.img" "$W/fifo.img"

# A directory we must not trust or cannot make: one warning, no write, same image.
mkdir -m 0700 "$W/theirs" && chown 65534:65534 "$W/theirs"
t_check "someone else's directory: builds" mk "$W/host.conf" "$W/theirs.img" --cache "$W/theirs"
t_check "someone else's directory: one warning" \
	test "$(grep -c "warning: compression cache '$W/theirs' is not a directory only its owner" "$W/log")" = 1
t_check "someone else's directory: nothing written" test -z "$(ls -A "$W/theirs")"
t_check "someone else's directory: the same bytes" cmp -s "$W/none.img" "$W/theirs.img"
mkdir -m 0770 "$W/group"
t_check "group-writable directory: builds" mk "$W/host.conf" "$W/group.img" --cache "$W/group"
t_grep "group-writable directory: refused" "warning: compression cache '$W/group' is not a directory only its owner" "$W/log"
t_check "group-writable directory: nothing written" test -z "$(ls -A "$W/group")"
t_check "missing parent: builds" mk "$W/host.conf" "$W/missing.img" --cache "$W/no/such"
t_check "missing parent: one warning" \
	test "$(grep -c "warning: cannot create compression cache '$W/no/such'" "$W/log")" = 1
t_check "missing parent: the same bytes" cmp -s "$W/none.img" "$W/missing.img"
t_run 2 "--cache with an empty directory name is refused" -k "$KVER" -r "$KROOT" \
	-c "$W/host.conf" -g "$W/e.img" --cache ""
t_grep "--cache '': says what is wrong" "error: --cache needs a directory" out.txt

# A user's own directory that they cannot write (as nobody: root writes anywhere): the
# build goes on, says so once, writes nothing there, and the image is the same.
U=$W/user
mkdir -m 0755 "$U" && mkdir -m 0500 "$U/cache" && chown 65534:65534 "$U" "$U/cache"
chmod 755 "$W" && chmod 644 "$W/host.conf"
setpriv --reuid=65534 --regid=65534 --clear-groups "$MKINITRAMFS_BIN" -k "$KVER" -r "$KROOT" \
	-f -v -c "$W/host.conf" -g "$U/ro.img" --cache "$U/cache" >"$W/log" 2>&1
t_check "read-only directory of the user's: builds ($?)" test -s "$U/ro.img"
t_check "read-only directory of the user's: one warning" \
	test "$(grep -c "warning: cannot write to compression cache '$U/cache', ignoring: Permission denied" "$W/log")" = 1 ||
	sed 's/^/    | /' "$W/log" | tail -n 5
t_check "read-only directory of the user's: nothing written" test -z "$(ls -A "$U/cache")"
t_check "read-only directory of the user's: the same bytes" cmp -s "$W/none.img" "$U/ro.img"

# -P builds its images in parallel processes: two presets x two images share one cold
# cache, both configurations twice at once. The same bytes as without a cache, no
# temporary file left, and every frame there for the next build.
P=$W/pcache
mk "$W/more.conf" "$W/more-none.img" --no-cache
mkdir "$W/presets"
for p in p1 p2; do
	cat >"$W/presets/$p.preset" <<-EOF
		ALL_kver="$KVER"
		PRESETS=('default' 'fallback')
		default_config="$W/host.conf"
		default_image="$W/$p.img"
		fallback_config="$W/more.conf"
		fallback_image="$W/$p-more.img"
	EOF
done
"$MKINITRAMFS" -P --presetdir "$W/presets" -r "$KROOT" -f --cache "$P" >"$W/log" 2>&1
t_check "-P, one cold cache for four images: builds ($?)" test -s "$W/p2-more.img" ||
	sed 's/^/    | /' "$W/log" | tail -n 5
t_nogrep "-P, one cold cache: no warning" "warning" "$W/log"
t_check "-P, one cold cache: the same bytes as without a cache" sh -c \
	'for p in p1 p2; do cmp -s "$1" "$3/$p.img" && cmp -s "$2" "$3/$p-more.img" || exit 1; done' \
	- "$W/none.img" "$W/more-none.img" "$W"
t_check "-P, one cold cache: no temporary file left" test -z "$(find "$P" -name '.*')"
nm=$(frames "$W/more-none.img")
mk "$W/more.conf" "$W/more-warm.img" --cache "$P"
t_check "-P, one cold cache: then every frame reused ($(reused))" test "$(reused)" = "$nm of $nm"
t_check "... with the same bytes" cmp -s "$W/more-none.img" "$W/more-warm.img"

# The bound: past it, the least recently used entries go; the last build's stay.
rm -rf "$C"
mk "$W/more.conf" "$W/more.img" --cache "$C"
sleep 1 # a coarse mtime clock must still tell the builds apart
bound=$(($(du -sb "$C" | cut -f1) + 4096))
t_check "bounded: builds" env MKINITRAMFS_CACHE_MAX=$bound "$MKINITRAMFS" -k "$KVER" \
	-r "$KROOT" -f -v -c "$W/host.conf" -g "$W/b.img" --cache "$C" >"$W/log" 2>&1
used=$(find "$C" -name '*.zfc' -printf '%b\n' | awk '{ s += $1 * 512 } END { print s + 0 }')
t_check "bounded: the cache holds $used bytes, at most $bound" test "$used" -le "$bound"
t_check "bounded: the last build's frames all stay" \
	mk "$W/host.conf" "$W/b2.img" --cache "$C"
t_check "bounded: every frame reused ($(reused))" test "$(reused)" = "$n of $n"

# A generic image keeps its modules as zstd frames of their own, one by one in the
# uncompressed first segment: those come from the cache too.
G=$W/gcache
t_check "generic image: builds without a cache" \
	mk "$TOP/mkinitramfs.conf" "$W/generic-none.img" -S autodetect --no-cache
t_check "generic image: cold cache" mk "$TOP/mkinitramfs.conf" "$W/generic-cold.img" \
	-S autodetect --cache "$G"
g=$(reused)
t_check "generic image: cold, nothing reused ($g)" test "${g%% *}" = 0 -a "${g##* }" -gt 100
t_check "generic image: warm cache" mk "$TOP/mkinitramfs.conf" "$W/generic-warm.img" \
	-S autodetect --cache "$G"
t_check "generic image: warm, every frame reused ($(reused))" test "$(reused)" = "${g##* } of ${g##* }"
t_check "generic image: the same bytes cold, warm and without" \
	sh -c 'cmp -s "$1" "$2" && cmp -s "$1" "$3"' - "$W/generic-none.img" \
	"$W/generic-cold.img" "$W/generic-warm.img"

# No cache for other compressors or zstd --long: one stream, as before.
printf 'COMPRESSION_OPTIONS=(--long=24)\n' >>"$W/long.conf"
cat "$W/host.conf" >>"$W/long.conf"
t_check "zstd --long: builds" mk "$W/long.conf" "$W/long.img" --cache "$W/longcache"
t_check "zstd --long: one frame" test "$(frames "$W/long.img")" = 1
t_check "zstd --long: no cache made" test ! -e "$W/longcache"

# An entry past 32 MiB (a FILES entry: no module is that large) streams into a frame of
# its own, never held whole (robust_sysroot bounds the address space, with one thread),
# uncached: the same bytes with no cache, a cold and a warm one.
mkdir -p "$W/bigroot"
cp -al "$KROOT/lib" "$W/bigroot/" || t_fail "cannot link the kernel's tree into a root"
head -c 40M /dev/zero | tr '\0' 'x' >"$W/bigroot/big"
printf 'FILES=(/big)\n' >"$W/big.conf"
cat "$W/host.conf" >>"$W/big.conf"
mkbig() { # CONF IMAGE ARGS...
	"$MKINITRAMFS" -k "$KVER" -r "$W/bigroot" -f -c "$1" -g "$2" "${@:3}" >"$W/log" 2>&1
}
t_check "a 40 MiB entry: builds without a cache" mkbig "$W/big.conf" "$W/big-none.img" --no-cache
t_check "a 40 MiB entry: builds with a cold cache" mkbig "$W/big.conf" "$W/big-cold.img" \
	--cache "$W/bigcache"
t_check "a 40 MiB entry: builds with a warm cache" mkbig "$W/big.conf" "$W/big-warm.img" \
	--cache "$W/bigcache"
t_check "a 40 MiB entry: the same bytes with a cold cache" cmp -s "$W/big-none.img" "$W/big-cold.img"
t_check "... with a warm one" cmp -s "$W/big-none.img" "$W/big-warm.img"
"$MKINITRAMFS" -l "$W/big-none.img" >"$W/big.list"
t_grep "a 40 MiB entry: listed whole" '^-[rwx-]+ +41943040 /big$' "$W/big.list"
t_check "a 40 MiB entry: zstd -t reads every frame" zstd -q -t "$W/big-none.img"
"$MKINITRAMFS" -x "$W/big-none.img" "$W/bigx" >/dev/null 2>&1
t_check "a 40 MiB entry: extracted as it was" cmp -s "$W/bigx/big" "$W/bigroot/big"
