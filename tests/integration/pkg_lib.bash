# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the package suites (pkg_*.sh): the source tree as a release would ship it,
# and a hash of it that keys the cached packages under build/pkg/. Source after
# tests/lib.sh. (Not a test: .bash.)

# pkg_files [PATHSPEC...]: the files of a release (what git tracks, plus new files not
# ignored yet), or those of them PATHSPEC selects.
pkg_files() {
	git -C "$TOP" ls-files -co --exclude-standard -- "${@:-.}" | while read -r f; do
		[ -f "$TOP/$f" ] && printf '%s\n' "$f"
	done | LC_ALL=C sort
}

# pkg_hash: changes whenever a file the packages are built from changes (the suites,
# the benchmarks, the boot tests, CI and the prose do not make another package).
pkg_hash() {
	(cd "$TOP" && pkg_files . ':!tests/integration' ':!tests/bench' ':!tests/boot' ':!.ci' \
		':!*.md' ':!NEWS' | tr '\n' '\0' | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

# pkg_tree DIR: a copy of the release's files in DIR (made fresh).
pkg_tree() {
	rm -rf "$1" && mkdir -p "$1" &&
		(cd "$TOP" && pkg_files | tr '\n' '\0' | xargs -0 cp --parents -t "$1")
}

# pkg_clean_env CMD...: run CMD without the variables `make test` leaves in the
# environment (B, MAKEFLAGS with WERROR=1): a package builds as a distribution's would.
pkg_clean_env() {
	env -u B -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u MKINITRAMFS -u MKINITRAMFS_BIN -u WERROR "$@"
}
