#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The analysis (-a), listing (-l) and diff of images the peers made themselves:
# initramfs-tools' mkinitramfs (zstd) and dracut (gzip, its hard links), each with an
# early microcode cpio, built in the bench's Debian chroots (tests/bench/peer-images.sh,
# cached). Oracles: the compressors' magic bytes at each segment's offset, GNU cpio's
# listing of each segment cut out with head/tail and decompressed by the real tool, and
# a repack of dracut's tree by GNU cpio without hard links, which must diff as equal.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
cd "$T_TMP" || exit 1
D=$("$TOP/tests/bench/peer-images.sh" "$KROOT" "$KVER" 2>peer.log) || {
	t_fail "cannot make the peers' images (tests/bench/peer-images.sh)"
	tail -n 20 peer.log | sed 's/^/    | /'
	exit 1
}
echo "# peer images from '$D'"

magic_of() { # FILE OFFSET: the compression the bytes at OFFSET start
	case $(od -An -tx1 -N4 -j "$2" "$1" | tr -d ' \n') in
	28b52ffd) echo zstd ;;
	1f8b*) echo gzip ;;
	fd377a58) echo xz ;;
	30373037) echo none ;; # "0707": a newc/odc header
	*) echo unknown ;;
	esac
}
decompress() { # COMPRESSION
	case $1 in
	zstd) zstd -dcq ;; gzip) gzip -dc ;; xz) xz -dc ;; none) cat ;; *) return 1 ;;
	esac
}

# check NAME IMAGE GENERATOR MAIN-COMPRESSION
check() {
	local n=$1 img=$D/$2 gen=$3 comp=$4 i off len c mods
	"$MKINITRAMFS" -a "$img" >"$n.a" 2>&1
	t_check "$n: -a succeeds" test $? -eq 0
	t_grep "$n: the generator is $gen" "^Generator: +$gen\$" "$n.a"
	t_grep "$n: the kernel is the fixture's" "^Kernel: +$KVER\$" "$n.a"
	t_grep "$n: two segments" '^Segments: +2$' "$n.a"
	t_grep "$n: segment 0 is the uncompressed early cpio" '^  0: none .* \(early\)$' "$n.a"
	t_grep "$n: segment 1 is $comp" "^  1: $comp .*ratio [0-9]+\\.[0-9]+\$" "$n.a"
	t_grep "$n: the early cpio holds the microcode" \
		'^  /kernel/x86/microcode/GenuineIntel\.bin \(16 bytes\)$' "$n.a"
	"$MKINITRAMFS" -l "$img" >"$n.l" 2>&1
	t_check "$n: -l succeeds" test $? -eq 0
	# Each segment: where -a says it is, the bytes start with its compressor's magic,
	# and GNU cpio lists exactly what -l lists for it, with the same sizes.
	off=0
	while read -r i c len; do
		t_check "$n: segment $i at $off starts with $c's magic" \
			test "$(magic_of "$img" "$off")" = "$c"
		tail -c +$((off + 1)) "$img" | head -c "$len" | decompress "$c" |
			cpio -tv --quiet 2>"$n.$i.err" |
			awk '{ dev = substr($1, 1, 1) ~ /[cb]/ # "MAJ, MIN" in place of the size
				name = $(9 + dev)
				for (k = 10 + dev; k <= NF && $k != "->"; k++) name = name " " $k
				if (name == ".") name = ""
				print (dev ? 0 : $5), "/" name }' |
			LC_ALL=C sort >"$n.$i.cpio"
		awk -v s="$i" '/^# segment / { on = ($3 == s ":") ; next }
			on { name = $3; for (k = 4; k <= NF && $k != "->"; k++) name = name " " $k
				print $2, (name == "/" ? "/" : name) }' "$n.l" | LC_ALL=C sort >"$n.$i.ours"
		t_check "$n: segment $i: GNU cpio reads it ($(wc -l <"$n.$i.cpio") entries)" \
			test -s "$n.$i.cpio" -a ! -s "$n.$i.err"
		t_check "$n: segment $i: -l lists what GNU cpio lists, with the same sizes" \
			cmp -s "$n.$i.cpio" "$n.$i.ours"
		cmp -s "$n.$i.cpio" "$n.$i.ours" || diff "$n.$i.cpio" "$n.$i.ours" | head -n 5
		off=$((off + len))
	done < <(awk '/^  [0-9]+: / { sub(":", "", $1); print $1, $2, $3 }' "$n.a")
	t_check "$n: the segments cover the file" test "$off" = "$(stat -c %s "$img")"
	mods=$(grep -cE '\.ko(\.xz|\.zst|\.gz)?$' "$n.1.cpio")
	t_grep "$n: -a counts the $mods modules GNU cpio lists" "^Modules: +$mods \\(no plan" "$n.a"
}
check itools itools.img initramfs-tools zstd
check dracut dracut.img dracut gzip

# dracut hard-links identical files: GNU cpio writes the data with the last name only.
# The same tree repacked without hard links (every file its own copy) must diff as
# equal: each name of a hard-linked file has the content of the one holding the data.
links=$(awk '$1 ~ /^-/ && $2 > 1' <(tail -c +1025 "$D/dracut.img" | gzip -dc | cpio -tv --quiet) | wc -l)
t_check "dracut's image has hard links ($links names)" test "$links" -gt 1
early=$(awk '/^  0: / { print $3 }' dracut.a)
mkdir tree && tail -c +$((early + 1)) "$D/dracut.img" | gzip -dc |
	(cd tree && cpio -idm --quiet 2>/dev/null)
find tree -type f -links +1 -exec sh -c 'for f; do cp -p "$f" "$f.t" && mv "$f.t" "$f"; done' sh {} +
t_check "the repacked tree has no hard link left" test -z "$(find tree -type f -links +1)"
{
	head -c "$early" "$D/dracut.img"
	(cd tree && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1
} >repack.img
"$MKINITRAMFS" --diff "$D/dracut.img" repack.img >repack.diff 2>&1
t_check "--diff of dracut's image and its repack succeeds" test $? -eq 0
t_grep "--diff: no module, file or config changed" \
	'^# modules: 0 added, 0 removed, 0 changed; files: 0 added, 0 removed, 0 changed; config: 0 added, 0 removed, 0 changed$' \
	repack.diff
t_nogrep "--diff: no file shows as changed" '^~ file ' repack.diff

# The two peers' images: the modules one has and the other lacks, from GNU cpio's lists.
"$MKINITRAMFS" --diff "$D/itools.img" "$D/dracut.img" >peers.diff 2>&1
t_check "--diff of initramfs-tools' and dracut's images succeeds" test $? -eq 0
modnames() { sed -nE 's#.*/([^/]+)\.ko(\.xz|\.zst|\.gz)?$#\1#p' "$1" | tr - _ | LC_ALL=C sort -u; }
added=$(LC_ALL=C comm -13 <(modnames itools.1.cpio) <(modnames dracut.1.cpio) | wc -l)
removed=$(LC_ALL=C comm -23 <(modnames itools.1.cpio) <(modnames dracut.1.cpio) | wc -l)
t_grep "--diff counts the $added modules only dracut has and the $removed only initramfs-tools has" \
	"^# modules: $added added, $removed removed, 0 changed;" peers.diff
t_report
