# SPDX-License-Identifier: GPL-2.0-or-later
# Shared set-up of the LUKS boot suites (not a test: .bash). Source after
# tests/boot/lib.sh: makes the test root, the build root LROOT (the fixture kernel plus
# the host's cryptsetup, its libraries and libgcc_s, and /etc/root.key = $KEY), and
# defines mk_luks and gen.
# A key derivation under TCG is slow, and the machine is shared: bound it generously.
# Every boot here adds no_timer_check: a loaded host makes the kernel's IO-APIC timer
# check fail ("IO-APIC + timer doesn't work!") and panic before anything is tested.
BOOT_TIMEOUT=${LUKS_BOOT_TIMEOUT:-480}
boot_setup || { t_fail "cannot build the test root's init"; exit 1; }
if ! command -v cryptsetup >/dev/null; then
	t_fail "cryptsetup is missing: run make deps (package cryptsetup-bin)"
	exit 1
fi
cd "$T_TMP"
PASS=correct-horse
KEY=$BW/keyfile
printf 'a key file\nwith two lines' >"$KEY"

# The build root: the fixture kernel plus cryptsetup with its libraries (and the
# libgcc_s glibc dlopens), as on the machine the image is for.
LROOT=$BW/lroot
cp -al "$KROOT" "$LROOT"
copy_in() { # FILE...: into LROOT at the same path, following links
	local f
	for f in "$@"; do
		mkdir -p "$LROOT$(dirname "$f")"
		cp -L "$f" "$LROOT$f"
	done
}
CS=$(command -v cryptsetup)
copy_in "$CS" $(ldd "$CS" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }')
for f in /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 /lib/x86_64-linux-gnu/libgcc_s.so.1; do
	[ -e "$f" ] && { copy_in "$f"; break; }
done
mkdir -p "$LROOT/etc"
cp "$KEY" "$LROOT/etc/root.key"

# Disks: an ext4 root turned into LUKS2 (argon2id, small memory cost) with a
# passphrase and a key file, and into LUKS1 with a passphrase.
# Fixed costs, no benchmark: argon2id with 8 MiB and 4 passes: under TCG on a loaded
# host 32 MiB took 90 s of guest time per try.
pbkdf=(--pbkdf argon2id --pbkdf-memory 8192 --pbkdf-force-iterations 4 --pbkdf-parallel 1
	--batch-mode)
mk_luks() { # FILE LABEL CRYPTSETUP-OPTIONS...
	local f=$1 label=$2
	shift 2
	truncate -s 60M "$f"
	mkfs.ext4 -q -F -d "$BW/rootfs" -L "$label" "$f" 40M >/dev/null
	cryptsetup reencrypt --encrypt --reduce-device-size 16M "$@" \
		--key-file <(printf %s "$PASS") "$f" >/dev/null
}
gen() { # CONF OUT
	"$MKINITRAMFS" -k "$KVER" -r "$LROOT" -c "$1" -g "$2" >"$2.log" 2>&1 || {
		t_fail "mkinitramfs -c $1 failed"
		sed 's/^/    | /' "$2.log" | tail -n 10
		return 1
	}
}
