/*
 * lwip-agent: lwIP 2.1.3 (Debian's liblwip-dev) as a tcpclose stack,
 * driven over the out-of-process stack protocol of
 * docs/stack-protocol.md on standard input and output.
 *
 * The stack has one netif of its own, fed by "inject" (no TUN, no
 * Ethernet: the netif takes and gives IPv4 packets). Socket calls are made
 * with lwIP's raw API (tcp_new, tcp_bind, tcp_listen, tcp_connect,
 * tcp_write, tcp_recved, tcp_shutdown, tcp_close, tcp_abort) under a small
 * sockets layer kept here: file descriptors from 3, accept queues, unread
 * byte counts, blocking calls parked until lwIP's callbacks complete them.
 *
 * Time is virtual: the agent defines sys_now(), which the shared library
 * calls through its PLT, so lwIP's timers (sys_timeout, the TCP timer of
 * TCP_TMR_INTERVAL = 250 ms) run only when the protocol advances the clock.
 * The tcpip thread is never started: lwip_init() is called directly and
 * every lwIP function runs on this single thread, as with NO_SYS=1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/ip4.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

#define PROTO_VERSION 1
#define MAX_LINE (1 << 17) + 256
#define MAX_FD 1024

/* ---- virtual clock ---- */

static uint64_t now_ns; /* the agent's clock, nanoseconds since the start */

/* sys_now is lwIP's clock (milliseconds); defining it here overrides the
 * library's wall-clock one. */
u32_t sys_now(void) { return (u32_t)(now_ns / 1000000); }

/* ---- output ---- */

static int produced; /* outputs written since the step began */

static void out(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

static const char hexdigits[] = "0123456789abcdef";

static err_t nif_output(struct netif *n, struct pbuf *p, const ip4_addr_t *ip) {
  (void)n;
  (void)ip;
  static char line[2 * 65536 + 64];
  static uint8_t buf[65535];
  u16_t len = pbuf_copy_partial(p, buf, sizeof buf, 0);
  int k = snprintf(line, 64, "seg %" PRIu64 " ", now_ns);
  for (u16_t i = 0; i < len; i++) {
    line[k++] = hexdigits[buf[i] >> 4];
    line[k++] = hexdigits[buf[i] & 15];
  }
  line[k] = 0;
  puts(line);
  produced++;
  return ERR_OK;
}

static err_t nif_init(struct netif *n) {
  n->name[0] = 't';
  n->name[1] = 'c';
  n->output = nif_output;
  n->mtu = 1500;
  n->flags = NETIF_FLAG_UP | NETIF_FLAG_LINK_UP;
  return ERR_OK;
}

static struct netif nif;

/* ---- sockets layer ---- */

enum call {
  C_NONE, C_SOCKET, C_BIND, C_LISTEN, C_ACCEPT, C_CONNECT, C_READ, C_WRITE,
  C_SHUTDOWN, C_CLOSE, C_SETSOCKOPT, C_GETSOCKOPT
};
static const char *call_names[] = {"none", "socket", "bind", "listen", "accept", "connect",
                                   "read", "write", "shutdown", "close", "setsockopt", "getsockopt"};

/* Errno values as scripts name them (Linux numbers). */
#define E_BADF 9
#define E_AGAIN 11
#define E_INVAL 22
#define E_PIPE 32
#define E_NOPROTOOPT 92
#define E_OPNOTSUPP 95
#define E_ADDRINUSE 98
#define E_ADDRNOTAVAIL 99
#define E_CONNABORTED 103
#define E_CONNRESET 104
#define E_ISCONN 106
#define E_NOTCONN 107
#define E_TIMEDOUT 110
#define E_CONNREFUSED 111
#define E_ALREADY 114
#define E_INPROGRESS 115

static const char *errno_name(int e) {
  switch (e) {
  case E_BADF: return "EBADF";
  case E_AGAIN: return "EAGAIN";
  case E_INVAL: return "EINVAL";
  case E_PIPE: return "EPIPE";
  case E_NOPROTOOPT: return "ENOPROTOOPT";
  case E_OPNOTSUPP: return "EOPNOTSUPP";
  case E_ADDRINUSE: return "EADDRINUSE";
  case E_ADDRNOTAVAIL: return "EADDRNOTAVAIL";
  case E_CONNABORTED: return "ECONNABORTED";
  case E_CONNRESET: return "ECONNRESET";
  case E_ISCONN: return "EISCONN";
  case E_NOTCONN: return "ENOTCONN";
  case E_TIMEDOUT: return "ETIMEDOUT";
  case E_CONNREFUSED: return "ECONNREFUSED";
  case E_ALREADY: return "EALREADY";
  case E_INPROGRESS: return "EINPROGRESS";
  }
  return "EINVAL";
}

/* A connection or listener as the sockets layer sees it. It outlives its
 * pcb (lwIP frees pcbs on RST and timeouts) until the descriptor is
 * closed. */
struct conn {
  struct tcp_pcb *pcb; /* NULL once lwIP freed it */
  int listener;        /* a listening socket */
  int fd;              /* its descriptor, or -1 while in an accept queue */
  int connecting;      /* connect() sent a SYN, no answer yet */
  int connected;       /* reached ESTABLISHED */
  int eof;             /* the peer's FIN arrived */
  int err;             /* pending error, reported once (SO_ERROR, read, write) */
  int so_err;          /* an error only SO_ERROR reports (a RST after the peer's FIN) */
  int dead;            /* lwIP freed the pcb: a reset or a timeout */
  int shut_wr;         /* shutdown(SHUT_WR) or close */
  int listed;          /* the pcb has been seen on one of lwIP's lists */
  long unread;         /* octets received, not yet read */
  /* accept queue of a listener */
  struct conn *queue[256];
  int nqueue;
  /* socket options */
  int nonblock, reuse, linger_on, linger_secs;
  /* a parked call */
  enum call blocked;
  long want;    /* read/write count */
  long written; /* octets a blocked write queued so far */
};

static struct conn *fds[MAX_FD];

/* quickack (-quickack): after every request, ACKs lwIP has delayed to its
 * next fast timer (TF_ACK_DELAY) are sent at once, as Linux does with the
 * quickack route metric. lwIP has no such switch; this is the agent's. */
static int quickack;

static void flush_delayed_acks(void) {
  if (!quickack)
    return;
  for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next) {
    if (p->flags & TF_ACK_DELAY) {
      tcp_ack_now(p);
      tcp_output(p);
    }
  }
}

static void result(int fd, enum call c, long ret, int e) {
  if (ret == -1)
    out("ret %" PRIu64 " %d %s -1 %s", now_ns, fd, call_names[c], errno_name(e));
  else
    out("ret %" PRIu64 " %d %s %ld", now_ns, fd, call_names[c], ret);
  produced++;
}

static int alloc_fd(struct conn *c) {
  for (int fd = 3; fd < MAX_FD; fd++) {
    if (!fds[fd]) {
      fds[fd] = c;
      c->fd = fd;
      return fd;
    }
  }
  return -1;
}

static int lwip_errno(err_t e) {
  switch (e) {
  case ERR_USE: return E_ADDRINUSE;
  case ERR_RST: return E_CONNRESET;
  case ERR_ABRT: return E_CONNABORTED;
  case ERR_CLSD: return E_NOTCONN;
  case ERR_CONN: return E_NOTCONN;
  case ERR_ISCONN: return E_ISCONN;
  case ERR_ALREADY: return E_ALREADY;
  case ERR_VAL: return E_INVAL;
  case ERR_RTE: return E_ADDRNOTAVAIL;
  }
  return E_INVAL;
}

/* lwIP callbacks */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  struct conn *c = arg;
  (void)pcb;
  (void)err;
  if (!p) {
    c->eof = 1;
    return ERR_OK;
  }
  c->unread += p->tot_len;
  pbuf_free(p);
  return ERR_OK;
}

static int in_input; /* lwIP is processing an injected segment */

static void on_err(void *arg, err_t err) {
  struct conn *c = arg;
  c->pcb = NULL;
  c->dead = 1;
  if (err == ERR_CLSD) {
    /* the connection closed normally (LAST-ACK or CLOSING acknowledged)
     * before the application closed the socket */
    c->eof = 1;
    c->connecting = 0;
    return;
  }
  if (err == ERR_ABRT && in_input) {
    /* lwIP aborted the connection itself on a segment (data after
     * SHUT_RD): it sent a RST; the socket reports ECONNRESET once, as
     * Linux's and the model's do */
    c->eof = 1;
    c->connecting = 0;
    c->err = E_CONNRESET;
    return;
  }
  if (err == ERR_RST && c->eof) {
    /* a RST after the peer's FIN: reads still end with end-of-file,
     * writes fail with EPIPE (c->dead); SO_ERROR tells EPIPE in
     * CLOSE-WAIT and ECONNRESET after our FIN, as Linux's tcp_reset */
    c->so_err = c->shut_wr ? E_CONNRESET : E_PIPE;
    return;
  }
  /* a RST (refused in SYN-SENT), or a timer giving up (ERR_ABRT from
   * tcp_slowtmr: R2, SYN retries, FIN-WAIT-2, LAST-ACK, SYN-RECEIVED) */
  if (c->connecting)
    c->err = err == ERR_RST ? E_CONNREFUSED : E_TIMEDOUT;
  else
    c->err = err == ERR_RST ? E_CONNRESET : E_TIMEDOUT;
  c->connecting = 0;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len) {
  (void)arg;
  (void)pcb;
  (void)len;
  return ERR_OK;
}

static void hook(struct conn *c) {
  tcp_arg(c->pcb, c);
  tcp_recv(c->pcb, on_recv);
  tcp_err(c->pcb, on_err);
  tcp_sent(c->pcb, on_sent);
}

static err_t on_accept(void *arg, struct tcp_pcb *newpcb, err_t err) {
  struct conn *l = arg;
  if (err != ERR_OK || !newpcb)
    return ERR_VAL;
  if (l->nqueue >= (int)(sizeof l->queue / sizeof l->queue[0])) {
    tcp_abort(newpcb);
    return ERR_ABRT;
  }
  struct conn *c = calloc(1, sizeof *c);
  c->pcb = newpcb;
  c->fd = -1;
  c->connected = 1;
  hook(c);
  l->queue[l->nqueue++] = c;
  return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err) {
  struct conn *c = arg;
  (void)pcb;
  (void)err;
  c->connecting = 0;
  c->connected = 1;
  return ERR_OK;
}

/* detach forgets the pcb: no more callbacks reach c. */
static void detach(struct conn *c) {
  if (c->pcb) {
    tcp_arg(c->pcb, NULL);
    if (c->listener) {
      /* lwIP asserts that a listener has no recv, sent or err callback */
      tcp_accept(c->pcb, NULL);
    } else {
      tcp_recv(c->pcb, NULL);
      tcp_err(c->pcb, NULL);
      tcp_sent(c->pcb, NULL);
    }
  }
  c->pcb = NULL;
}

static void abort_conn(struct conn *c) {
  struct tcp_pcb *pcb = c->pcb;
  detach(c);
  if (pcb)
    tcp_abort(pcb);
}

static void free_conn(struct conn *c) {
  for (int i = 0; i < c->nqueue; i++) {
    abort_conn(c->queue[i]);
    free(c->queue[i]);
  }
  free(c);
}

/* The calls. Each returns 1 if it completed (and wrote its result), 0 if
 * it is parked. */

static int try_read(struct conn *c, int fd) {
  if (c->unread > 0) {
    long n = c->want < c->unread ? c->want : c->unread;
    c->unread -= n;
    if (c->pcb) {
      long left = n;
      while (left > 0) {
        u16_t k = left > 0xFFFF ? 0xFFFF : (u16_t)left;
        tcp_recved(c->pcb, k);
        left -= k;
      }
    }
    result(fd, C_READ, n, 0);
    return 1;
  }
  if (c->err) {
    int e = c->err;
    c->err = 0;
    result(fd, C_READ, -1, e);
    return 1;
  }
  if (c->eof || c->dead) {
    result(fd, C_READ, 0, 0);
    return 1;
  }
  if (!c->connected && !c->connecting) {
    result(fd, C_READ, -1, E_NOTCONN);
    return 1;
  }
  if (c->nonblock) {
    result(fd, C_READ, -1, E_AGAIN);
    return 1;
  }
  return 0;
}

static int try_write(struct conn *c, int fd) {
  if (c->err) {
    int e = c->err;
    c->err = 0;
    result(fd, C_WRITE, -1, e);
    return 1;
  }
  if (c->dead || c->shut_wr) {
    result(fd, C_WRITE, -1, E_PIPE);
    return 1;
  }
  if (!c->connected) {
    if (c->connecting && !c->nonblock)
      return 0;
    result(fd, C_WRITE, -1, c->connecting ? E_AGAIN : E_NOTCONN);
    return 1;
  }
  static const uint8_t zeros[1460];
  while (c->written < c->want) {
    long space = tcp_sndbuf(c->pcb);
    if (space > (long)sizeof zeros)
      space = sizeof zeros;
    if (space > c->want - c->written)
      space = c->want - c->written;
    if (space <= 0 || tcp_sndqueuelen(c->pcb) >= TCP_SND_QUEUELEN)
      break;
    if (tcp_write(c->pcb, zeros, (u16_t)space, TCP_WRITE_FLAG_COPY) != ERR_OK)
      break;
    c->written += space;
  }
  tcp_output(c->pcb);
  if (c->written == c->want || (c->nonblock && c->written > 0)) {
    result(fd, C_WRITE, c->written, 0);
    return 1;
  }
  if (c->nonblock) {
    result(fd, C_WRITE, -1, E_AGAIN);
    return 1;
  }
  return 0;
}

static int try_accept(struct conn *l, int fd) {
  if (l->nqueue > 0) {
    struct conn *c = l->queue[0];
    memmove(l->queue, l->queue + 1, (size_t)(l->nqueue - 1) * sizeof l->queue[0]);
    l->nqueue--;
    int nfd = alloc_fd(c);
    if (nfd < 0) {
      abort_conn(c);
      free(c);
      result(fd, C_ACCEPT, -1, E_INVAL);
      return 1;
    }
    result(fd, C_ACCEPT, nfd, 0);
    return 1;
  }
  if (l->nonblock) {
    result(fd, C_ACCEPT, -1, E_AGAIN);
    return 1;
  }
  return 0;
}

static int try_connect(struct conn *c, int fd) {
  if (c->connected) {
    result(fd, C_CONNECT, 0, 0);
    return 1;
  }
  if (c->err) {
    int e = c->err;
    c->err = 0;
    result(fd, C_CONNECT, -1, e);
    return 1;
  }
  return 0;
}

/* release_time_wait lets go of a pcb that entered TIME-WAIT: lwIP frees
 * TIME-WAIT pcbs when 2MSL ends without calling the err callback, so the
 * socket must not keep a pointer to it (the socket shows CLOSED). */
static void release_time_wait(struct conn *c) {
  if (c->pcb && !c->listener && c->pcb->state == TIME_WAIT) {
    detach(c);
    c->dead = 1;
    c->eof = 1;
  }
}

/* listed says whether pcb is on one of lwIP's pcb lists. */
static int listed(const void *pcb) {
  const struct tcp_pcb *lists[] = {tcp_active_pcbs, tcp_tw_pcbs, tcp_bound_pcbs};
  for (int i = 0; i < 3; i++)
    for (const struct tcp_pcb *p = lists[i]; p; p = p->next)
      if ((const void *)p == pcb)
        return 1;
  for (const struct tcp_pcb_listen *p = tcp_listen_pcbs.listen_pcbs; p; p = p->next)
    if ((const void *)p == pcb)
      return 1;
  return 0;
}

/* release_freed lets go of a pcb lwIP freed without the err callback: a
 * pcb whose receive side is closed (SHUT_RD) is freed silently when its
 * FIN is acknowledged in LAST-ACK or CLOSING (tcp_input, TF_CLOSED). A pcb
 * once seen on a list and now on none is gone. Only one segment, timer
 * round or call runs between two checks, and none both frees a pcb and
 * allocates another, so the address cannot have been reused meanwhile. */
static void release_freed(struct conn *c) {
  if (!c->pcb)
    return;
  if (listed(c->pcb)) {
    c->listed = 1;
    return;
  }
  if (c->listed) {
    c->pcb = NULL;
    c->dead = 1;
    c->eof = 1;
  }
}

/* poll_blocked completes the parked calls that can now return. */
static void poll_blocked(void) {
  for (int fd = 3; fd < MAX_FD; fd++) {
    struct conn *c = fds[fd];
    if (!c)
      continue;
    release_freed(c);
    release_time_wait(c);
    for (int i = 0; i < c->nqueue; i++) {
      release_freed(c->queue[i]);
      release_time_wait(c->queue[i]);
    }
  }
  for (int fd = 3; fd < MAX_FD; fd++) {
    struct conn *c = fds[fd];
    if (!c || c->blocked == C_NONE)
      continue;
    int done = 0;
    switch (c->blocked) {
    case C_READ: done = try_read(c, fd); break;
    case C_WRITE: done = try_write(c, fd); break;
    case C_ACCEPT: done = try_accept(c, fd); break;
    case C_CONNECT: done = try_connect(c, fd); break;
    default: break;
    }
    if (done)
      c->blocked = C_NONE;
  }
}

static int parse_addr(const char *s, ip4_addr_t *ip, u16_t *port) {
  unsigned a, b, c, d, p;
  if (sscanf(s, "%u.%u.%u.%u:%u", &a, &b, &c, &d, &p) != 5 || a > 255 || b > 255 || c > 255 || d > 255 || p > 65535)
    return -1;
  IP4_ADDR(ip, a, b, c, d);
  *port = (u16_t)p;
  return 0;
}

static enum call call_kind(const char *s) {
  for (int i = 1; i <= C_GETSOCKOPT; i++)
    if (!strcmp(s, call_names[i]))
      return (enum call)i;
  return C_NONE;
}

/* do_call makes a call; it returns NULL or a protocol error. */
static const char *do_call(char **f, int nf) {
  enum call k = call_kind(f[0]);
  if (k == C_NONE)
    return "unknown call";
  if (k == C_SOCKET) {
    struct conn *c = calloc(1, sizeof *c);
    c->pcb = tcp_new();
    if (!c->pcb) {
      free(c);
      result(-1, C_SOCKET, -1, E_INVAL);
      return NULL;
    }
    hook(c);
    int fd = alloc_fd(c);
    if (fd < 0) {
      abort_conn(c);
      free(c);
      result(-1, C_SOCKET, -1, E_INVAL);
      return NULL;
    }
    result(fd, C_SOCKET, fd, 0);
    return NULL;
  }
  if (nf < 2)
    return "missing descriptor";
  int fd = atoi(f[1]);
  struct conn *c = fd >= 0 && fd < MAX_FD ? fds[fd] : NULL;
  if (!c) {
    result(fd, k, -1, E_BADF);
    return NULL;
  }
  if (c->blocked != C_NONE && k != C_CLOSE && k != C_SETSOCKOPT && k != C_GETSOCKOPT) {
    result(fd, k, -1, E_AGAIN);
    return NULL;
  }
  switch (k) {
  case C_BIND: {
    ip4_addr_t ip;
    u16_t port;
    if (nf != 3 || parse_addr(f[2], &ip, &port))
      return "bind wants FD ADDR:PORT";
    if (!c->pcb || c->listener || c->pcb->state != CLOSED) {
      result(fd, k, -1, E_INVAL);
      return NULL;
    }
    if (c->reuse)
      ip_set_option(c->pcb, SOF_REUSEADDR);
    ip_addr_t a;
    ip_addr_copy_from_ip4(a, ip);
    err_t e = tcp_bind(c->pcb, &a, port);
    result(fd, k, e == ERR_OK ? 0 : -1, lwip_errno(e));
    return NULL;
  }
  case C_LISTEN: {
    if (nf != 3)
      return "listen wants FD N";
    if (c->listener) {
      result(fd, k, 0, 0);
      return NULL;
    }
    if (!c->pcb || c->pcb->state != CLOSED) {
      result(fd, k, -1, E_INVAL);
      return NULL;
    }
    err_t e = ERR_OK;
    int backlog = atoi(f[2]);
    if (backlog < 0 || backlog > 255)
      backlog = 255;
    struct tcp_pcb *l = tcp_listen_with_backlog_and_err(c->pcb, (u8_t)backlog, &e);
    if (!l) {
      result(fd, k, -1, lwip_errno(e));
      return NULL;
    }
    c->pcb = l;
    c->listener = 1;
    tcp_arg(l, c);
    tcp_accept(l, on_accept);
    result(fd, k, 0, 0);
    return NULL;
  }
  case C_ACCEPT:
    if (!c->listener) {
      result(fd, k, -1, E_INVAL);
      return NULL;
    }
    if (!try_accept(c, fd))
      c->blocked = k;
    return NULL;
  case C_CONNECT: {
    ip4_addr_t ip;
    u16_t port;
    if (nf != 3 || parse_addr(f[2], &ip, &port))
      return "connect wants FD ADDR:PORT";
    if (c->listener) {
      result(fd, k, -1, E_INVAL);
      return NULL;
    }
    if (c->connected) {
      result(fd, k, -1, E_ISCONN);
      return NULL;
    }
    if (c->connecting) {
      result(fd, k, -1, E_ALREADY);
      return NULL;
    }
    if (!c->pcb || c->pcb->state != CLOSED) {
      result(fd, k, -1, c->err ? c->err : E_INVAL);
      c->err = 0;
      return NULL;
    }
    ip_addr_t a;
    ip_addr_copy_from_ip4(a, ip);
    c->connecting = 1;
    err_t e = tcp_connect(c->pcb, &a, port, on_connected);
    if (e != ERR_OK) {
      c->connecting = 0;
      result(fd, k, -1, lwip_errno(e));
      return NULL;
    }
    if (c->nonblock) {
      result(fd, k, -1, E_INPROGRESS);
      return NULL;
    }
    c->blocked = k;
    return NULL;
  }
  case C_READ:
    if (nf != 3)
      return "read wants FD N";
    if (c->listener) {
      result(fd, k, -1, E_NOTCONN);
      return NULL;
    }
    c->want = atol(f[2]);
    if (!try_read(c, fd))
      c->blocked = k;
    return NULL;
  case C_WRITE:
    if (nf != 3)
      return "write wants FD N";
    if (c->listener) {
      result(fd, k, -1, E_PIPE);
      return NULL;
    }
    c->want = atol(f[2]);
    c->written = 0;
    if (!try_write(c, fd))
      c->blocked = k;
    return NULL;
  case C_SHUTDOWN: {
    if (nf != 3)
      return "shutdown wants FD HOW";
    int rx = !strcmp(f[2], "SHUT_RD") || !strcmp(f[2], "SHUT_RDWR");
    int tx = !strcmp(f[2], "SHUT_WR") || !strcmp(f[2], "SHUT_RDWR");
    if (!rx && !tx)
      return "bad shutdown direction";
    if (!c->pcb || c->listener) {
      result(fd, k, -1, E_NOTCONN);
      return NULL;
    }
    struct tcp_pcb *pcb = c->pcb;
    if (rx && tx)
      detach(c); /* lwIP may free the pcb: it is a close for the raw API */
    err_t e = tcp_shutdown(pcb, rx, tx);
    if (tx && e == ERR_OK)
      c->shut_wr = 1;
    if (rx && e == ERR_OK)
      c->eof = 1; /* read returns what is queued, then 0 */
    if (rx && tx) {
      c->dead = 1;
      c->eof = 1;
    }
    result(fd, k, e == ERR_OK ? 0 : -1, lwip_errno(e));
    return NULL;
  }
  case C_CLOSE: {
    fds[fd] = NULL;
    if (c->pcb) {
      struct tcp_pcb *pcb = c->pcb;
      if (c->linger_on && c->linger_secs == 0 && !c->listener) {
        abort_conn(c);
      } else {
        detach(c);
        if (tcp_close(pcb) != ERR_OK) {
          /* out of memory for the FIN: as the netconn layer does in
           * the end, abort */
          tcp_abort(pcb);
        }
      }
    }
    free_conn(c);
    result(fd, k, 0, 0);
    return NULL;
  }
  case C_SETSOCKOPT: {
    if (nf != 5)
      return "setsockopt wants FD OPT VAL VAL2";
    long v = atol(f[3]), v2 = atol(f[4]);
    if (!strcmp(f[2], "SO_REUSEADDR")) {
      c->reuse = v != 0;
      if (c->pcb) {
        if (v)
          ip_set_option(c->pcb, SOF_REUSEADDR);
        else
          ip_reset_option(c->pcb, SOF_REUSEADDR);
      }
    } else if (!strcmp(f[2], "SO_LINGER")) {
      if (v2 < 0) {
        result(fd, k, -1, E_INVAL);
        return NULL;
      }
      c->linger_on = v != 0;
      c->linger_secs = (int)v2;
    } else if (!strcmp(f[2], "O_NONBLOCK")) {
      c->nonblock = v != 0;
    } else if (!strcmp(f[2], "TCP_NODELAY")) {
      if (c->pcb && !c->listener) {
        if (v)
          tcp_nagle_disable(c->pcb);
        else
          tcp_nagle_enable(c->pcb);
      }
    } else {
      result(fd, k, -1, E_NOPROTOOPT);
      return NULL;
    }
    result(fd, k, 0, 0);
    return NULL;
  }
  case C_GETSOCKOPT: {
    if (nf != 3)
      return "getsockopt wants FD OPT";
    long v = 0;
    if (!strcmp(f[2], "SO_ERROR")) {
      v = c->err ? c->err : c->so_err;
      c->err = 0;
      c->so_err = 0;
    } else if (!strcmp(f[2], "TCP_INFO")) {
      /* lwIP's enum tcp_state has RFC 9293's order, as spec.State. A
       * socket whose connection lwIP freed or put in TIME-WAIT shows
       * CLOSED, as Linux's does. */
      v = c->pcb ? (long)c->pcb->state : 0;
      if (v == TIME_WAIT)
        v = 0;
    } else if (!strcmp(f[2], "SO_REUSEADDR")) {
      v = c->reuse;
    } else if (!strcmp(f[2], "O_NONBLOCK")) {
      v = c->nonblock;
    } else if (!strcmp(f[2], "SO_LINGER")) {
      v = c->linger_on;
    } else {
      result(fd, k, -1, E_NOPROTOOPT);
      return NULL;
    }
    result(fd, k, v, 0);
    return NULL;
  }
  default:
    break;
  }
  return "unknown call";
}

/* ---- time ---- */

/* next_deadline returns the time of lwIP's next timer, or UINT64_MAX. */
static uint64_t next_deadline(void) {
  u32_t sleep = sys_timeouts_sleeptime();
  if (sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
    return UINT64_MAX;
  return ((uint64_t)sys_now() + sleep) * 1000000;
}

/* advance runs timers in deadline order toward until. With stop set it
 * returns just after the first deadline at which something was output. */
static void advance(uint64_t until, int stop) {
  for (;;) {
    uint64_t next = next_deadline();
    if (next > until) {
      if (until > now_ns)
        now_ns = until;
      return;
    }
    if (next > now_ns)
      now_ns = next;
    int before = produced;
    sys_check_timeouts();
    poll_blocked();
    flush_delayed_acks();
    if (stop && produced > before)
      return;
  }
}

/* ---- requests ---- */

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

static const char *inject(const char *hex) {
  static uint8_t buf[65536];
  size_t n = strlen(hex);
  if (n % 2 || n / 2 > sizeof buf || n < 40)
    return "inject: bad packet length";
  for (size_t i = 0; i < n / 2; i++) {
    int a = hexval(hex[2 * i]), b = hexval(hex[2 * i + 1]);
    if (a < 0 || b < 0)
      return "inject: bad hex";
    buf[i] = (uint8_t)(a << 4 | b);
  }
  struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)(n / 2), PBUF_RAM);
  if (!p)
    return "inject: out of memory";
  pbuf_take(p, buf, (u16_t)(n / 2));
  in_input = 1;
  if (nif.input(p, &nif) != ERR_OK)
    pbuf_free(p);
  in_input = 0;
  return NULL;
}

static const char *state_name(enum tcp_state s) {
  static const char *names[] = {"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
                                "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"};
  return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "CLOSED";
}

static void report_state(void) {
  struct tcp_pcb *lists[] = {tcp_active_pcbs, tcp_tw_pcbs};
  for (int i = 0; i < 2; i++) {
    for (struct tcp_pcb *p = lists[i]; p; p = p->next) {
      char l[16], r[16];
      ip4addr_ntoa_r(ip_2_ip4(&p->local_ip), l, sizeof l);
      ip4addr_ntoa_r(ip_2_ip4(&p->remote_ip), r, sizeof r);
      out("conn %s:%u %s:%u %s", l, p->local_port, r, p->remote_port, state_name(p->state));
    }
  }
}

static int split(char *s, char **f, int max) {
  int n = 0;
  for (char *t = strtok(s, " \t"); t && n < max; t = strtok(NULL, " \t"))
    f[n++] = t;
  return n;
}

static int parse_time(const char *s, uint64_t *t) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || end == s || s[0] == '-')
    return -1;
  *t = v;
  return 0;
}

/* handle answers one request; it returns -1 to quit. */
static int handle(char *line) {
  static int hello;
  char *f[8];
  int nf = split(line, f, 8);
  if (nf == 0) {
    out("error empty request");
    return 0;
  }
  if (!hello) {
    if (strcmp(f[0], "hello") || nf < 2) {
      out("error want hello");
      return -1;
    }
    hello = 1;
    ip4_addr_t addr, mask, gw;
    IP4_ADDR(&addr, 192, 168, 0, 1);
    unsigned long long seed = 0;
    for (int i = 2; i < nf; i++) {
      if (!strncmp(f[i], "addr=", 5)) {
        u16_t port;
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%s:0", f[i] + 5);
        if (parse_addr(tmp, &addr, &port)) {
          out("error bad addr");
          return -1;
        }
      } else if (!strncmp(f[i], "seed=", 5)) {
        seed = strtoull(f[i] + 5, NULL, 10);
      }
    }
    srand((unsigned)seed);
    lwip_init();
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 0, 0, 0, 0);
    netif_add(&nif, &addr, &mask, &gw, NULL, nif_init, ip4_input);
    netif_set_default(&nif);
    netif_set_up(&nif);
    netif_set_link_up(&nif);
    out("hello %d name=lwip-%s%s clock=virtual ipv6=no state=yes exact=no iss=no profile=lwip sets=none "
        "calls=socket,bind,listen,accept,connect,read,write,shutdown,close,setsockopt,getsockopt "
        "opts=SO_REUSEADDR,SO_LINGER,O_NONBLOCK,TCP_NODELAY,SO_ERROR,TCP_INFO",
        PROTO_VERSION, LWIP_VERSION_STRING, quickack ? "-quickack" : "");
    if (strcmp(f[1], "1"))
      return -1;
    return 0;
  }
  const char *err = NULL;
  uint64_t at;
  if (!strcmp(f[0], "quit")) {
    return -1;
  } else if (!strcmp(f[0], "state")) {
    report_state();
  } else if (!strcmp(f[0], "set")) {
    err = "set: no profile field can be set (lwIP's options are compiled in)";
  } else if (nf < 2 || parse_time(f[1], &at)) {
    err = "bad or missing time";
  } else if (!strcmp(f[0], "advance")) {
    produced = 0;
    advance(at, 1);
  } else if (!strcmp(f[0], "inject")) {
    if (nf != 3) {
      err = "inject wants T HEX";
    } else {
      advance(at, 0);
      err = inject(f[2]);
      poll_blocked();
      flush_delayed_acks();
    }
  } else if (!strcmp(f[0], "call")) {
    if (nf < 3) {
      err = "call wants T NAME ...";
    } else {
      advance(at, 0);
      err = do_call(f + 2, nf - 2);
      poll_blocked();
      flush_delayed_acks();
    }
  } else {
    err = "unknown request";
  }
  if (err)
    out("error %s", err);
  else
    out("done %" PRIu64, now_ns);
  return 0;
}

int main(int argc, char **argv) {
  static char line[MAX_LINE];
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-quickack")) {
      quickack = 1;
    } else {
      fprintf(stderr, "usage: lwip-agent [-quickack]\n");
      return 2;
    }
  }
  /* The protocol gets its own copy of standard output; descriptor 1 goes
   * to standard error, so that whatever the library prints (its
   * assertions print with printf before they abort) cannot be taken for
   * a reply. */
  int proto = dup(1);
  if (proto < 0 || dup2(2, 1) < 0 || !(stdout = fdopen(proto, "w"))) {
    fprintf(stderr, "lwip-agent: cannot set up standard output\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strlen(line);
    if (n == sizeof line - 1 && line[n - 1] != '\n') {
      out("error request line too long");
      fflush(stdout);
      return 2;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = 0;
    int r = handle(line);
    fflush(stdout);
    if (r < 0)
      return 0;
  }
  return 0;
}
