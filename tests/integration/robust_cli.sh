#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile command lines: a -g target that is not a regular file (device, FIFO, socket,
# directory, symlink) or is the configuration the run reads; inputs that are FIFOs with
# no writer (-c, a drop-in, -k, MKINITRAMFS_INIT, a preset, a sysfs attribute), each
# bounded by timeout; messages that must name the thing; and the .inputs record when
# two builds race to one target.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
cd "$T_TMP"
V=1.0-test
t_basic_tree root "$V"
printf 'MODULES=(chain_a)\n' >a.conf
printf 'MODULES=(nbd)\n' >b.conf
# Bounded: an old generator hangs on some of these inputs.
mk() { timeout -k 5 120 "$MKINITRAMFS" -k "$V" -r root "$@"; }
temps() { find "$1" -maxdepth 1 -name ".*.tmp.*" | wc -l; }

# refused NAME PATTERN ARGS...: exit 1 within 60 s, one error line matching PATTERN.
refused() {
	local name=$1 pattern=$2
	shift 2
	timeout -k 5 60 "$MKINITRAMFS" "$@" >err.txt 2>&1
	local rc=$?
	t_check "$name: exit 1 ($rc)" [ "$rc" = 1 ]
	t_grep "$name: names it" "$pattern" err.txt
	t_check "$name: one error line" [ "$(grep -c 'error:' err.txt)" = 1 ]
}

# --- -g: absent or a regular file ----------------------------------------------------
mkdir tgt
mkfifo tgt/fifo
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' tgt/sock
mkdir tgt/dir
echo victim >tgt/victim
ln -s victim tgt/link
kinds=("fifo:p:a FIFO" "sock:s:a socket" "dir:d:that is a directory")
if mknod tgt/chr c 1 3 2>/dev/null && mknod tgt/blk b 7 200 2>/dev/null; then
	kinds+=("chr:c:a character device" "blk:b:a block device")
else
	echo "# cannot mknod here: device-node targets skipped"
fi
for k in "${kinds[@]}"; do
	IFS=: read -r f type what <<<"$k"
	refused "-g onto $what" "cannot write image 'tgt/$f': .*$what" -k "$V" -r root -c a.conf -g "tgt/$f"
	t_check "-g onto $what: still $what" [ "$(stat -c %A "tgt/$f" | cut -c1 | tr - f)" = "$type" ]
done
[ -e tgt/chr ] && t_check "-g onto a device: its numbers kept" [ "$(stat -c %t:%T tgt/chr)" = 1:3 ]
refused "-g onto a symlink" "cannot write image 'tgt/link': it is a symbolic link" \
	-k "$V" -r root -c a.conf -g tgt/link
t_check "-g onto a symlink: the link stays" [ -L tgt/link ]
t_check "-g onto a symlink: its target is untouched" [ "$(cat tgt/victim)" = victim ]
refused "-g /proc/self/fd/1" "cannot write image '/proc/self/fd/1': it is a symbolic link" \
	-k "$V" -r root -c a.conf -g /proc/self/fd/1
t_nogrep "-g /proc/self/fd/1: no false 'does not exist'" "does not exist" err.txt
t_check "no temporary file left in the target directory" [ "$(temps tgt)" = 0 ]

# The configuration, a drop-in and the preset this run reads are not targets.
cp a.conf self.conf
mkdir self.conf.d
printf 'MODULES+=(nbd)\n' >self.conf.d/10-x.conf
cp self.conf self.orig
refused "-g onto the configuration it reads" "cannot write image 'self.conf': it is the configuration" \
	-k "$V" -r root -c self.conf -g self.conf
t_check "the configuration is untouched" cmp -s self.conf self.orig
refused "-g onto a drop-in it reads" "cannot write image 'self.conf.d/10-x.conf': it is the configuration" \
	-k "$V" -r root -c self.conf -g self.conf.d/10-x.conf
mkdir pre
cat >pre/p.preset <<EOF
ALL_kver="$V"
ALL_config="$T_TMP/a.conf"
PRESETS=('default')
default_image="$T_TMP/pre/p.preset"
EOF
cp pre/p.preset p.orig
timeout -k 5 60 "$MKINITRAMFS" -r root -p "$T_TMP/pre/p.preset" >err.txt 2>&1
t_check "-p onto its own preset file: exit 1" [ $? = 1 ]
t_grep "-p onto its own preset file: names it" "cannot write image '$T_TMP/pre/p.preset': it is the configuration or preset" err.txt
t_check "the preset is untouched" cmp -s pre/p.preset p.orig

# --- inputs that are FIFOs with no writer: refused, never waited on ------------------
mkdir in
mkfifo in/fifo
refused "-c FIFO" "cannot read 'in/fifo': it is a FIFO, not a regular file" \
	-k "$V" -r root -c in/fifo -g in/x.img
cp a.conf in/d.conf && mkdir in/d.conf.d && mkfifo in/d.conf.d/20-fifo.conf
refused "drop-in FIFO" "cannot read 'in/d.conf.d/20-fifo.conf': it is a FIFO, not a regular file" \
	-k "$V" -r root -c in/d.conf -g in/x.img
refused "-k FIFO" "cannot read a kernel version from 'in/fifo': it is a FIFO, not a regular file" \
	-k in/fifo -r root -c a.conf -g in/x.img
MKINITRAMFS_INIT=$T_TMP/in/fifo refused "MKINITRAMFS_INIT FIFO" \
	"MKINITRAMFS_INIT='$T_TMP/in/fifo' is a FIFO, not a regular file" -k "$V" -r root -c a.conf -g in/x.img
mkdir in/presets && mkfifo in/presets/z.preset
refused "preset directory entry FIFO" "cannot read 'in/presets/z.preset': it is a FIFO, not a regular file" \
	-r root -P --presetdir in/presets
printf 'HOOKS=(base autodetect)\n' >auto.conf
mkdir -p sys1/devices/pci0 && mkfifo sys1/devices/pci0/modalias
refused "--sysfs modalias FIFO" "autodetect: 'sys1/devices/pci0/modalias' is a FIFO, not a sysfs attribute" \
	-k "$V" -r root -c auto.conf --sysfs sys1 --rootfs ext4 -g in/x.img
mkdir -p sys2/devices sys2/module/nbd/holders && : >sys2/module/nbd/initstate && mkfifo sys2/module/nbd/refcnt
refused "--sysfs refcnt FIFO" "autodetect: 'sys2/module/nbd/refcnt' is a FIFO, not a sysfs attribute" \
	-k "$V" -r root -c auto.conf --sysfs sys2 --rootfs ext4 -g in/x.img
t_check "no image from refused inputs" [ ! -e in/x.img ]

# --- messages that name the thing ----------------------------------------------------
refused "-k ''" "invalid kernel release ''" -k '' -r root -c a.conf -g in/x.img
refused "-k with a newline" "invalid kernel release '1\\\\x0a2'" -k $'1\n2' -r root -c a.conf -g in/x.img
SOURCE_DATE_EPOCH=4294967296 refused "SOURCE_DATE_EPOCH past 2106" \
	"SOURCE_DATE_EPOCH='4294967296' is past 4294967295" -k "$V" -r root -c a.conf -g in/x.img
mkdir -p sys3/devices && echo x >sys3/module
refused "--sysfs whose module is a file" "autodetect: cannot read 'sys3/module': Not a directory" \
	-k "$V" -r root -c auto.conf --sysfs sys3 --rootfs ext4 -g in/x.img

# --- the .inputs record --------------------------------------------------------------
mkdir rec
# holder IMG: "a" when it holds chain_a (and what it needs), "b" when nbd alone.
holder() {
	local l
	l=$("$MKINITRAMFS" -l "$1" 2>/dev/null)
	if grep -q '/chain_a\.ko' <<<"$l"; then echo a
	elif grep -q '/nbd\.ko' <<<"$l"; then echo b
	else echo '?'; fi
}
other() { [ "$1" = a ] && echo b || echo a; }
# pair_ok IMG: the record beside IMG describes it: a no-op build with the config of
# what it holds says up to date, one with the other config does not.
pair_ok() {
	local h
	h=$(holder "$1")
	[ "$h" != '?' ] || return 1
	mk -c "$h.conf" -g "$1" >noop.txt 2>&1 || return 1
	grep -q "is up to date" noop.txt || return 1
	mk -c "$(other "$h").conf" -g "$1" >noop.txt 2>&1 || return 1
	! grep -q "is up to date" noop.txt
}

# Deterministic: A stops right after its rename; B, stopped before its own, goes on;
# then A. Without a lock over rename + record, A would record B's image.
point() { MKINITRAMFS_TEST_KILL_AT=list mk -c "$1" --force -g rec/list.img 2>&1 | grep "^crashpoint [0-9]*: $2\$" | head -n1 | sed 's/^crashpoint \([0-9]*\):.*/\1/'; }
ra=$(point a.conf "image: renamed")
vb=$(point b.conf "image: verified")
stopped() {
	for ((w = 0; w < 2000; w++)); do
		[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = T ] && return 0
		sleep 0.01
	done
	return 1
}
if [ -n "$ra" ] && [ -n "$vb" ]; then
	# Started directly (not through a function): $! is the generator itself.
	MKINITRAMFS_TEST_KILL_SIGNAL=STOP MKINITRAMFS_TEST_KILL_AT=$ra \
		"$MKINITRAMFS_BIN" -q -k "$V" -r root -c a.conf --force -g rec/x.img &
	pa=$!
	stopped $pa || t_fail "build A did not stop at its rename"
	MKINITRAMFS_TEST_KILL_SIGNAL=STOP MKINITRAMFS_TEST_KILL_AT=$vb \
		"$MKINITRAMFS_BIN" -q -k "$V" -r root -c b.conf --force -g rec/x.img &
	pb=$!
	stopped $pb || t_fail "build B did not stop before its rename"
	kill -CONT $pb
	# B either finishes or waits for A's lock: both are visible, neither takes long.
	for ((w = 0; w < 2000; w++)); do
		kill -0 $pb 2>/dev/null || break
		grep -Eq -- "-> FLOCK +ADVISORY +WRITE +$pb " /proc/locks && break
		sleep 0.01
	done
	kill -CONT $pa
	wait $pa
	ea=$?
	wait $pb
	eb=$?
	t_check "raced builds both succeed ($ea $eb)" [ "$ea$eb" = 00 ]
	t_check "after a forced interleaving the record describes the image beside it" pair_ok rec/x.img
else
	t_fail "crash points 'image: renamed' / 'image: verified' not found"
fi

# Many plain races: always a matching pair, never a temporary file left.
bad=0
for ((i = 0; i < 12; i++)); do
	mk -q -c a.conf --force -g rec/y.img &
	p1=$!
	mk -q -c b.conf --force -g rec/y.img &
	p2=$!
	wait $p1 $p2
	pair_ok rec/y.img || bad=$((bad + 1))
done
t_check "12 races of two builds end with a matching image and record ($bad bad)" [ "$bad" = 0 ]
t_check "no temporary file after the races" [ "$(temps rec)" = 0 ]

# A copy put in the image's place is not the image the record describes: the build
# runs, and only its bytes, compared with the copy's, leave the copy there.
mk -q -c a.conf -g rec/z.img
cp rec/z.img rec/z.copy && mv rec/z.copy rec/z.img
mk -c a.conf -g rec/z.img >noop.txt 2>&1
t_nogrep "a copy of the image in its place is not taken for the recorded image" \
	"its inputs are unchanged" noop.txt
t_grep "... the build ran and found the same bytes" "built again, it came out the same" noop.txt
cp rec/z.img rec/z.copy && printf 'x' | dd of=rec/z.copy bs=1 seek=100 conv=notrunc status=none
mv rec/z.copy rec/z.img
mk -c a.conf -g rec/z.img >noop.txt 2>&1
t_grep "a damaged copy in its place is rebuilt" "wrote 'rec/z.img'" noop.txt
# A record that is a FIFO is not waited on: the build replaces it.
rm rec/z.img.inputs && mkfifo rec/z.img.inputs
timeout -k 5 60 "$MKINITRAMFS" -k "$V" -r root -c a.conf -g rec/z.img >noop.txt 2>&1
t_check "a FIFO in the record's place: the build goes on ($?)" [ -f rec/z.img.inputs ]
# A no-op run removes what killed builds left.
: >rec/.z.img.tmp.Ab12Cd
mk -c a.conf -g rec/z.img >noop.txt 2>&1
t_grep "the no-op run is one" "up to date" noop.txt
t_check "the no-op run removed a killed build's temporary file" [ ! -e rec/.z.img.tmp.Ab12Cd ]

t_report
