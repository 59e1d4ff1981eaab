# SPDX-License-Identifier: GPL-2.0-or-later
# Servers for network-root boots, in private network and mount namespaces: ganesha needs
# an rpcbind to register with (its registration failure is fatal), and the kernel's
# NFSv3 mount asks the server's rpcbind for mountd. Inside, rpcbind, ganesha (and the
# suite's own servers) listen on the namespace's own loopback only, on their standard
# ports, and slirp's 10.0.2.2 reaches that loopback; nothing is visible on the machine's
# network or its /run.

# netns_enter "$@": first thing in a suite: run it again inside the namespaces.
netns_enter() {
	[ -n "${BOOT_NET_NS:-}" ] && return 0
	if unshare --net --mount --propagation private true 2>/dev/null; then
		exec unshare --net --mount --propagation private env BOOT_NET_NS=1 bash "$0" "$@"
	fi
	source "$(dirname "$0")/../lib.sh"
	t_fail "cannot create network and mount namespaces (unshare --net --mount): need root"
	t_report
	exit 1
}

SERVER_PIDS=()
# stop_servers: every server started here, by its PID.
stop_servers() {
	local p
	for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${SERVER_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	SERVER_PIDS=()
}

# netns_setup: the namespace's loopback (a second address so getaddrinfo(AI_ADDRCONFIG)
# answers) and a /run of its own; the servers are stopped at exit.
netns_setup() {
	ip link set lo up && ip addr add 127.0.0.2/8 dev lo && mount -t tmpfs tmpfs /run &&
		mkdir -p /run/rpcbind || { t_fail "cannot set up the private namespace"; exit 1; }
	trap 'stop_servers; t_cleanup' EXIT
	trap 'exit 143' TERM INT
}

# wait_port PORT: bounded wait until something listens on PORT.
wait_port() {
	local i
	for ((i = 0; i < 300; i++)); do
		ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# nfs_serve DIR: rpcbind and ganesha (VFS backend, NFSv3 and v4) exporting DIR read-write
# as /export, no root squash; logs and state in $BW. Owners go over NFSv4 as numbers, as
# the kernel's server sends them for AUTH_SYS: ganesha's default "root@localdomain" means
# nothing to a client without an idmapper, which shows every file as nobody's (a root
# with setuid-root mount(8) then fails "must be superuser to use mount").
nfs_serve() {
	rpcbind -f &
	SERVER_PIDS+=($!)
	wait_port 111 || t_fail "rpcbind does not listen on 127.0.0.1:111"
	mkdir -p "$BW/ganesha-recovery"
	cat >"$BW/ganesha.conf" <<CONF
NFS_CORE_PARAM {
	Bind_addr = 127.0.0.1;
	Enable_NLM = false;
	Enable_RQUOTA = false;
	Enable_UDP = false;
	Protocols = 3, 4;
	Mount_Path_Pseudo = true;
}
NFSV4 {
	Graceless = true;
	Only_Numeric_Owners = true;
	RecoveryRoot = $BW/ganesha-recovery;
}
EXPORT {
	Export_Id = 1;
	Path = $1;
	Pseudo = /export;
	Access_Type = RW;
	Squash = No_Root_Squash;
	Protocols = 3, 4;
	Transports = TCP;
	SecType = sys;
	FSAL { Name = VFS; }
}
CONF
	ganesha.nfsd -F -f "$BW/ganesha.conf" -L "$BW/ganesha.log" -p "$BW/ganesha.pid" \
		-N NIV_EVENT &
	SERVER_PIDS+=($!)
}

# nfs_ready: ganesha listens (call after the suite's other servers are started).
nfs_ready() {
	wait_port 2049 && return 0
	t_fail "ganesha does not listen on 127.0.0.1:2049"
	tail -n 5 "$BW/ganesha.log"
	return 1
}
