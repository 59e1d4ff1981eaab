/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Non-blocking connect and poll: a server that never answers costs timeout_ms, not 2 min.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "tcp.h"

int tcp_connect(uint32_t addr, uint16_t port, long timeout_ms)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct pollfd pfd;
	socklen_t elen = sizeof(int);
	int fd, err = 0, r;

	sa.sin_addr.s_addr = addr;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r < 0 && errno != EINPROGRESS) {
		err = errno;
		goto fail;
	}
	if (r < 0) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do
			r = poll(&pfd, 1, (int)timeout_ms);
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			err = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err)
			goto fail;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		err = errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -err;
}

const char *tcp_strerror(int r)
{
	switch (-r) {
	case ECONNREFUSED:
		return "connection refused (no server on that port)";
	case ETIMEDOUT:
		return "no answer (timed out)";
	case EHOSTUNREACH:
		return "no route to host";
	case ENETUNREACH:
		return "network unreachable";
	case ECONNRESET:
		return "connection reset";
	default:
		return log_errname(r);
	}
}
