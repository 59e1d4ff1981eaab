# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the test tools that need Debian 13 (trixie) packages on this Debian 12
# machine: a private apt configuration, source list and state under build/trixie-apt
# (TRIXIE_APT_DIR), so the machine's own apt sources, lists and cache stay untouched.
# After trixie_apt_init, "${TRIXIE_APT[@]}" is an apt-get command line and
# "${TRIXIE_APT_CACHE[@]}" an apt-cache one that see trixie only. TRIXIE_MIRROR and
# TRIXIE_SECURITY_MIRROR replace the mirrors this machine's apt is configured with.

# trixie_apt_sites: "SITE SUITE-SUFFIX" for this machine's Debian main archive and its
# security archive, read from the indexes apt already uses (the same hosts serve trixie).
trixie_apt_sites() {
	apt-get indextargets --format '$(TARGET_OF) $(COMPONENT) $(SITE) $(RELEASE)' |
		awk '$1 == "deb" && $2 == "main" { print $3, $4 }' | sort -u
}

# trixie_apt_init: writes the private configuration and refreshes the index when it is
# older than TRIXIE_APT_MAX_AGE seconds (default 6 hours), so repeated test runs do not
# hit the network. Fails with a message naming what is missing.
trixie_apt_init() {
	local dir=${TRIXIE_APT_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/trixie-apt}
	local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	local main sec age
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	# (gpg only tells which releases the keyring knows; without it apt's check says so.)
	if command -v gpg >/dev/null && ! gpg --show-keys "$keyring" 2>/dev/null | grep -q '13/trixie'; then
		echo "trixie-apt: error: '$keyring' holds no Debian 13 key (upgrade debian-archive-keyring)" >&2
		return 1
	fi
	main=${TRIXIE_MIRROR:-$(trixie_apt_sites | awk '$2 !~ /-security$/ { print $1; exit }')}
	sec=${TRIXIE_SECURITY_MIRROR:-$(trixie_apt_sites | awk '$2 ~ /-security$/ { print $1; exit }')}
	if [ -z "$main" ]; then
		echo "trixie-apt: error: this machine's apt has no Debian main archive to take the mirror from (set TRIXIE_MIRROR)" >&2
		return 1
	fi
	{
		for s in trixie trixie-updates; do
			printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$main" "$s"
			printf 'deb-src [signed-by=%s] %s %s main\n' "$keyring" "$main" "$s"
		done
		if [ -n "$sec" ]; then
			printf 'deb [signed-by=%s] %s trixie-security main\n' "$keyring" "$sec"
			printf 'deb-src [signed-by=%s] %s trixie-security main\n' "$keyring" "$sec"
		fi
	} >"$dir/sources.list.new"
	# Architecture pinned: only amd64 kernels are tested; no foreign architectures of
	# this machine's dpkg leak in. The private status file hides the host's packages.
	: >>"$dir/status"
	local opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::Etc::Preferences=/dev/null" -o Dir::Etc::PreferencesParts=/dev/null
		-o "Dir::State::Lists=$dir/lists" -o "Dir::State::status=$dir/status"
		-o "Dir::Cache=$dir/cache" -o APT::Architecture=amd64 -o APT::Architectures=amd64
		-o APT::Sandbox::User=root -o Acquire::Retries=2 -o Acquire::Languages=none)
	TRIXIE_APT=(apt-get -q "${opts[@]}")
	TRIXIE_APT_CACHE=(apt-cache "${opts[@]}")
	age=${TRIXIE_APT_MAX_AGE:-21600}
	if cmp -s "$dir/sources.list.new" "$dir/sources.list" && [ -f "$dir/updated" ] &&
		[ $(($(date +%s) - $(stat -c %Y "$dir/updated"))) -lt "$age" ]; then
		rm -f "$dir/sources.list.new"
		return 0
	fi
	mv "$dir/sources.list.new" "$dir/sources.list"
	# One refresh at a time: kernel-fixture and the kmod build may run together.
	(
		flock -w 600 9 || { echo "trixie-apt: error: timed out waiting for '$dir/lock'" >&2; exit 1; }
		if ! timeout 300 "${TRIXIE_APT[@]}" update >"$dir/update.log" 2>&1; then
			tail -n 20 "$dir/update.log" >&2
			echo "trixie-apt: error: cannot fetch the Debian 13 package index (log: '$dir/update.log')" >&2
			exit 1
		fi
		touch "$dir/updated"
	) 9>"$dir/lock"
}
