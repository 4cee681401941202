/*
 * svcnet DNS: batched UDP receive and send (recvmmsg/sendmmsg) for the UDP socket dgram already
 * bound, so a worker pays one system call and one JavaScript entry per batch instead of Node's
 * recvmsg + Buffer + rinfo object + inet_ntop + callback per datagram (decision 017).
 *
 * Node-API only (node_api.h from the npm package node-api-headers): ABI-stable, so one build serves
 * Node 20 and 24. No global state, so every worker thread can load it. The JavaScript side owns
 * the memory: one buffer of `batch` input slots, one of `batch` output slots, an Int32Array of
 * (inLen, headLen, outLen) per slot and a Uint8Array of packed peers (family 4|6, 0, port in
 * network order, 16 address bytes) per slot. A reply is headLen bytes of the input slot (the
 * query's header and question, rewritten in place) followed by outLen bytes of the output slot,
 * sent to the slot's own peer address.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <node_api.h>

#define PEER_BYTES 20

typedef struct {
  int fd;
  uint32_t batch;
  uint32_t slot;
  uint8_t *in;
  uint8_t *out;
  int32_t *meta;
  uint8_t *peers;
  napi_ref refs[4];
  struct mmsghdr *rmsgs;
  struct iovec *riov;
  struct sockaddr_storage *addrs;
  struct mmsghdr *smsgs;
  struct iovec *siov;
  uint32_t *sslot;
} batch_state;

static napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, "EDNSNATIVE", msg);
  return NULL;
}

static void state_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  batch_state *s = data;
  for (int i = 0; i < 4; i++)
    if (s->refs[i]) napi_delete_reference(env, s->refs[i]);
  free(s->rmsgs);
  free(s->riov);
  free(s->addrs);
  free(s->smsgs);
  free(s->siov);
  free(s->sslot);
  free(s);
}

static int bytes_of(napi_env env, napi_value v, void **data, size_t *len) {
  napi_typedarray_type type;
  size_t length, offset;
  napi_value ab;
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return -1;
  if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) != napi_ok) return -1;
  size_t width = type == napi_int32_array || type == napi_uint32_array ? 4 : 1;
  *len = length * width;
  return 0;
}

static batch_state *state_of(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

/* open(fd, in, out, meta, peers, batch, slot) -> state */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 7) return throw_error(env, "open(fd, in, out, meta, peers, batch, slot)");
  int32_t fd;
  uint32_t batch, slot;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_uint32(env, argv[5], &batch) != napi_ok ||
      napi_get_value_uint32(env, argv[6], &slot) != napi_ok || fd < 0 || batch == 0 || slot == 0)
    return throw_error(env, "open: fd, batch and slot must be positive integers");
  void *p[4];
  size_t len[4];
  for (int i = 0; i < 4; i++)
    if (bytes_of(env, argv[1 + i], &p[i], &len[i]) != 0) return throw_error(env, "open: in, out, meta and peers must be typed arrays");
  if (len[0] < (size_t)batch * slot || len[1] < (size_t)batch * slot || len[2] < (size_t)batch * 12 || len[3] < (size_t)batch * PEER_BYTES)
    return throw_error(env, "open: a buffer is smaller than batch x its slot");
  batch_state *s = calloc(1, sizeof *s);
  if (!s) return throw_error(env, "open: out of memory");
  s->fd = fd;
  s->batch = batch;
  s->slot = slot;
  s->in = p[0];
  s->out = p[1];
  s->meta = p[2];
  s->peers = p[3];
  s->rmsgs = calloc(batch, sizeof *s->rmsgs);
  s->riov = calloc(batch, sizeof *s->riov);
  s->addrs = calloc(batch, sizeof *s->addrs);
  s->smsgs = calloc(batch, sizeof *s->smsgs);
  s->siov = calloc(2 * (size_t)batch, sizeof *s->siov);
  s->sslot = calloc(batch, sizeof *s->sslot);
  if (!s->rmsgs || !s->riov || !s->addrs || !s->smsgs || !s->siov || !s->sslot) {
    state_finalize(env, s, NULL);
    return throw_error(env, "open: out of memory");
  }
  for (uint32_t i = 0; i < batch; i++) {
    s->riov[i].iov_base = s->in + (size_t)i * slot;
    s->riov[i].iov_len = slot;
    s->rmsgs[i].msg_hdr.msg_iov = &s->riov[i];
    s->rmsgs[i].msg_hdr.msg_iovlen = 1;
    s->rmsgs[i].msg_hdr.msg_name = &s->addrs[i];
  }
  /* The typed arrays' memory must outlive the state: hold them. */
  for (int i = 0; i < 4; i++) napi_create_reference(env, argv[1 + i], 1, &s->refs[i]);
  napi_value ext;
  if (napi_create_external(env, s, state_finalize, NULL, &ext) != napi_ok) {
    state_finalize(env, s, NULL);
    return throw_error(env, "open: napi_create_external failed");
  }
  return ext;
}

static napi_value int_value(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

/* recv(state) -> datagrams received into slots 0..n-1 (0 when none is waiting), or -errno. */
static napi_value js_recv(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  batch_state *s = argc == 1 ? state_of(env, argv[0]) : NULL;
  if (!s) return throw_error(env, "recv(state)");
  for (uint32_t i = 0; i < s->batch; i++) {
    s->rmsgs[i].msg_hdr.msg_namelen = sizeof s->addrs[i];
    s->rmsgs[i].msg_hdr.msg_flags = 0;
  }
  int n;
  do n = recvmmsg(s->fd, s->rmsgs, s->batch, MSG_DONTWAIT, NULL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return int_value(env, errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno);
  for (int i = 0; i < n; i++) {
    int32_t *m = s->meta + 3 * i;
    m[0] = (int32_t)s->rmsgs[i].msg_len;
    m[1] = 0;
    m[2] = 0;
    uint8_t *peer = s->peers + (size_t)i * PEER_BYTES;
    memset(peer, 0, PEER_BYTES);
    const struct sockaddr_storage *a = &s->addrs[i];
    if (a->ss_family == AF_INET) {
      const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
      peer[0] = 4;
      memcpy(peer + 2, &a4->sin_port, 2);
      memcpy(peer + 4, &a4->sin_addr, 4);
    } else if (a->ss_family == AF_INET6) {
      const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
      peer[0] = 6;
      memcpy(peer + 2, &a6->sin6_port, 2);
      memcpy(peer + 4, &a6->sin6_addr, 16);
    }
  }
  return int_value(env, n);
}

/*
 * send(state, n) -> the first slot below n whose reply was not sent because the socket's send
 * queue is full (the caller sends those through dgram, which waits for the socket), or n.
 * A reply whose send fails otherwise is dropped, as the fast path drops one (udpFastPath.ts).
 */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  batch_state *s = argc == 2 ? state_of(env, argv[0]) : NULL;
  uint32_t n;
  if (!s || napi_get_value_uint32(env, argv[1], &n) != napi_ok) return throw_error(env, "send(state, n)");
  if (n > s->batch) n = s->batch;
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++) {
    const int32_t *m = s->meta + 3 * i;
    uint32_t head = m[1] > 0 ? (uint32_t)m[1] : 0, out = m[2] > 0 ? (uint32_t)m[2] : 0;
    if (head > s->slot) head = s->slot;
    if (out > s->slot) out = s->slot;
    if (head + out == 0) continue;
    struct iovec *iov = s->siov + 2 * k;
    size_t c = 0;
    if (head) iov[c++] = (struct iovec){ s->in + (size_t)i * s->slot, head };
    if (out) iov[c++] = (struct iovec){ s->out + (size_t)i * s->slot, out };
    struct msghdr *h = &s->smsgs[k].msg_hdr;
    memset(h, 0, sizeof *h);
    h->msg_iov = iov;
    h->msg_iovlen = c;
    h->msg_name = &s->addrs[i];
    h->msg_namelen = s->addrs[i].ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    s->sslot[k++] = i;
  }
  uint32_t done = 0;
  while (done < k) {
    int r = sendmmsg(s->fd, s->smsgs + done, k - done, MSG_DONTWAIT);
    if (r > 0) done += (uint32_t)r;
    else if (r < 0 && errno == EINTR) continue;
    else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) return int_value(env, (int32_t)s->sslot[done]);
    else done++; /* this datagram failed (e.g. EPERM from a firewall rule): skip it */
  }
  return int_value(env, (int32_t)n);
}

/* peerAddress(state, i) -> the address of slot i's peer as Node's rinfo.address spells it. */
static napi_value js_peer_address(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  batch_state *s = argc == 2 ? state_of(env, argv[0]) : NULL;
  uint32_t i;
  if (!s || napi_get_value_uint32(env, argv[1], &i) != napi_ok || i >= s->batch) return throw_error(env, "peerAddress(state, i)");
  char ip[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = "";
  const struct sockaddr_storage *a = &s->addrs[i];
  if (a->ss_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, ip, sizeof ip);
  } else if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
    inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof ip);
    /* As Node's AddressToJS (src/tcp_wrap.cc, used by udp_wrap.cc for rinfo): uv_inet_ntop is BIND's
       inet_ntop, as glibc's is (`::ffff:a.b.c.d` for mapped IPv4), and a link-local address gets
       `%<interface>` (Node throws when the index has no name; this writes the number). */
    if (IN6_IS_ADDR_LINKLOCAL(&a6->sin6_addr) && a6->sin6_scope_id > 0) {
      size_t l = strlen(ip);
      char name[IF_NAMESIZE];
      if (if_indextoname(a6->sin6_scope_id, name)) {
        ip[l] = '%';
        strncpy(ip + l + 1, name, sizeof ip - l - 2);
      } else {
        snprintf(ip + l, sizeof ip - l, "%%%u", a6->sin6_scope_id);
      }
    }
  }
  napi_value r;
  napi_create_string_latin1(env, ip, NAPI_AUTO_LENGTH, &r);
  return r;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
    { "open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL },
    { "recv", NULL, js_recv, NULL, NULL, NULL, napi_enumerable, NULL },
    { "send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL },
    { "peerAddress", NULL, js_peer_address, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
