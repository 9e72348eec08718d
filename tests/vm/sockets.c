/* Sockets: a socketpair round trip, and a non-blocking TCP connect over loopback, whose real
 * result is -EINPROGRESS (the in-process runtime must not take it for its own "in place"). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  int sv[2];
  char buf[16] = {0};
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  ssize_t w = send(sv[0], "ping", 4, 0), r = recv(sv[1], buf, sizeof buf, 0);
  printf("socketpair: sent %zd, received %zd \"%s\"\n", w, r, buf);

  int srv = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (bind(srv, (struct sockaddr*)&a, sizeof a) != 0 || listen(srv, 4) != 0 ||
      getsockname(srv, (struct sockaddr*)&a, &len) != 0) {
    return 1;
  }
  int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int rc = connect(c, (struct sockaddr*)&a, sizeof a);
  printf("non-blocking connect: %s\n", rc == 0                ? "0"
                                       : errno == EINPROGRESS ? "EINPROGRESS"
                                                              : strerror(errno));
  struct pollfd p = {.fd = c, .events = POLLOUT};
  int ready = poll(&p, 1, 5000);
  int err = -1;
  socklen_t el = sizeof err;
  getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
  printf("connected: poll %d, SO_ERROR %d\n", ready, err);
  int s = accept(srv, 0, 0);
  w = write(c, "hello", 5);
  r = read(s, buf, sizeof buf);
  printf("over tcp: %zd %zd \"%.5s\"\n", w, r, buf);
  return 0;
}
