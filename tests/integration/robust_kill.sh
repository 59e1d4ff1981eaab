#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Crash-safe builds: a build killed at any step (SIGKILL at every numbered crash point of
# a fake-tree build, then at random moments of a big build of the real kernel) leaves
# the previous image byte for byte, or the complete new one once renamed; what a killed
# build leaves is removed by the next build. SIGINT and SIGTERM clean up and exit
# non-zero.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
cd "$T_TMP"
V=1.0-test
t_basic_tree root "$V"
: >root/etc/empty
printf 'MODULES=(chain_a)\n' >old.conf
printf 'MODULES=(fsx nbd comp_xz comp_zst fw_user)\nFILES=(/etc/empty)\n' >new.conf
mk() { "$MKINITRAMFS" -q -k "$V" -r root "$@"; }
mk -c old.conf -g old.img && mk -c new.conf -g ref.img ||
	{ t_fail "reference builds"; exit 1; }
t_check "old and new images differ" bash -c '! cmp -s old.img ref.img'
temps() { find "$1" -maxdepth 1 -name ".$2.tmp.*" | wc -l; }

# --- SIGKILL at every crash point --------------------------------------------------
MKINITRAMFS_TEST_KILL_AT=list mk -c new.conf -g list.img 2>points.txt
n=$(grep -c '^crashpoint ' points.txt)
t_check "at least 50 crash points ($n)" [ "$n" -ge 50 ]
for what in 'resolution:' 'staging:' 'compression:' 'image: renamed'; do
	t_grep "crash points cover '$what'" "^crashpoint [0-9]+: $what" points.txt
done
mkdir out
cp old.img out/initrd.img
bad_image=0 bad_temp=0 bad_rc=0 bad_mode=0 killed=0
for ((i = 1; i <= n; i++)); do
	MKINITRAMFS_TEST_KILL_AT=$i mk -c new.conf -g out/initrd.img 2>/dev/null
	rc=$?
	[ "$rc" = 137 ] && killed=$((killed + 1)) || { bad_rc=$((bad_rc + 1)); echo "# point $i: exit $rc"; }
	if cmp -s out/initrd.img ref.img; then
		cp old.img out/initrd.img # renamed already: start the next round from old
	elif ! cmp -s out/initrd.img old.img; then
		bad_image=$((bad_image + 1))
		echo "# point $i ($(sed -n "${i}s/^crashpoint [0-9]*: //p" points.txt)): image changed"
		cp old.img out/initrd.img
	fi
	# A killed build may leave its own temporary file; never an earlier one.
	[ "$(temps out initrd.img)" -le 1 ] || bad_temp=$((bad_temp + 1))
	for f in out/.initrd.img.tmp.*; do
		[ -e "$f" ] && [ "$(stat -c %a "$f")" != 600 ] && bad_mode=$((bad_mode + 1))
	done
done
t_check "SIGKILL at each of $n points: every build died by it ($killed)" [ "$bad_rc" = 0 ]
t_check "SIGKILL at each of $n points: image old or complete new, never else" [ "$bad_image" = 0 ]
t_check "SIGKILL at each of $n points: at most the killed build's temporary file" [ "$bad_temp" = 0 ]
t_check "temporary files left by killed builds are 0600" [ "$bad_mode" = 0 ]
mk -c new.conf -g out/initrd.img
t_check "the next build succeeds and writes the new image" cmp -s out/initrd.img ref.img
t_check "the next build removed every temporary file" [ "$(temps out initrd.img)" = 0 ]

# --- SIGINT and SIGTERM at every step of the image writing -------------------------
for sig in INT TERM; do
	want=$([ $sig = INT ] && echo 130 || echo 143)
	cp old.img out/initrd.img
	bad=0 left=0
	for ((i = 1; i <= n; i++)); do
		MKINITRAMFS_TEST_KILL_SIGNAL=$sig MKINITRAMFS_TEST_KILL_AT=$i \
			mk -c new.conf -g out/initrd.img 2>/dev/null
		rc=$?
		[ "$rc" = "$want" ] || { bad=$((bad + 1)); echo "# SIG$sig at $i: exit $rc"; }
		[ "$(temps out initrd.img)" = 0 ] || left=$((left + 1))
		cmp -s out/initrd.img ref.img && cp old.img out/initrd.img
		cmp -s out/initrd.img old.img || { bad=$((bad + 1)); cp old.img out/initrd.img; }
	done
	t_check "SIG$sig at each of $n points: exit $want, image old or new" [ "$bad" = 0 ]
	t_check "SIG$sig at each of $n points: no temporary file left" [ "$left" = 0 ]
done

# A real signal from outside, while the temporary file is being written.
t_fixture
printf 'HOOKS=(base block filesystems)\n' >big.conf
printf 'MODULES=(ext4)\nHOOKS=(base)\n' >small.conf
big() { "$MKINITRAMFS" -q -k "$KVER" -r "$KROOT" "$@" 2>/dev/null; }
# In the background, $! is the generator itself. Bash starts background jobs with SIGINT
# ignored, which the generator respects (nohup-style): give it the default back.
big_bg() {
	env --default-signal=INT,TERM "$MKINITRAMFS_BIN" -q -k "$KVER" -r "$KROOT" "$@" 2>/dev/null &
	pid=$!
}
big -c small.conf -g big-old.img && big -c big.conf -g big-ref.img ||
	{ t_fail "reference builds of the real kernel"; exit 1; }
for sig in INT TERM; do
	cp big-old.img out/big.img
	big_bg -c big.conf -g out/big.img
	for ((w = 0; w < 500; w++)); do
		[ "$(temps out big.img)" = 1 ] && break
		sleep 0.01
	done
	kill -s $sig $pid
	wait $pid
	rc=$?
	t_check "SIG$sig from outside during the write: exit non-zero ($rc)" [ "$rc" -ne 0 ]
	t_check "SIG$sig from outside: temporary file removed" [ "$(temps out big.img)" = 0 ]
	t_check "SIG$sig from outside: previous image kept" cmp -s out/big.img big-old.img
done

# --- SIGKILL at random moments of a big build ------------------------------------------
start=$(date +%s%N)
big -c big.conf -g timing.img
ms=$((($(date +%s%N) - start) / 1000000))
cp big-old.img out/big.img
rounds=${ROBUST_KILL_ROUNDS:-25}
bad_image=0 bad_temp=0 new=0 writing=0
for ((i = 0; i < rounds; i++)); do
	delay=$((RANDOM % (ms + 50)))
	big_bg -c big.conf -g out/big.img
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	if cmp -s out/big.img big-ref.img; then
		new=$((new + 1))
		cp big-old.img out/big.img
	elif ! cmp -s out/big.img big-old.img; then
		bad_image=$((bad_image + 1))
		cp big-old.img out/big.img
	fi
	case $(temps out big.img) in
	0) ;;
	1) writing=$((writing + 1)) ;;
	*) bad_temp=$((bad_temp + 1)) ;;
	esac
done
echo "# $rounds kills within ${ms} ms builds: $writing while writing the image, $new after the rename"
t_check "random SIGKILL ($rounds rounds): image old or complete new" [ "$bad_image" = 0 ]
t_check "random SIGKILL ($rounds rounds): at most one temporary file" [ "$bad_temp" = 0 ]
big -c big.conf -g out/big.img
t_check "after random kills, a build writes the new image" cmp -s out/big.img big-ref.img
t_check "after random kills, no temporary file is left" [ "$(temps out big.img)" = 0 ]
