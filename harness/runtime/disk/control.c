// The control socket: a unix stream socket (mode 0600) taking one command per line and answering one JSON
// object per line, {"ok":true,...} or {"ok":false,"error":"..."}. One connection at a time; each command runs
// under G.lock, so it sees no operation half done. The commands (harness/runtime/disk/control.ts sends them):
//
//   ping                                   {"ok":true}
//   status                                 open handles, dirty files, undo bytes, pending directory changes,
//                                          the faults in force and counters
//   drop                                   the crash: everything not durable is undone; answers the report
//                                          (refused while files or directories are open: stop the program first)
//   tear [seed=N] [path=P]                 the next drop keeps a random prefix (at least one byte, not all) of
//                                          the last unsynced write of P (default: of the file written last)
//   fail errno=EIO|ENOSPC ops=LIST [ms=N]  answer that error to the operation classes in LIST (read, write,
//                                          create, fsync, comma-separated) until cleared or for N ms
//   clear                                  no more injected errors
//   delay-fsync ms=N                       every fsync, fdatasync and directory fsync first sleeps N ms (0: off)
//   last-drop                              the last drop's report again (null before any)
#include "faultfs.h" // first: it defines _GNU_SOURCE

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096
#define MAX_DELAY_MS 600000

static int listen_fd = -1;
static char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static pthread_t thread;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void log_msg(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("faultfs: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

void report_file(struct report *r, const char *path, uint64_t bytes, const char *how, const char *from) {
  if (r->listed >= REPORT_MAX_FILES) {
    r->omitted++;
    return;
  }
  fputs(r->listed++ ? ",{\"path\":" : "{\"path\":", r->f);
  json_str(r->f, path);
  fprintf(r->f, ",\"how\":\"%s\",\"bytes\":%llu", how, (unsigned long long)bytes);
  if (from) {
    fputs(",\"from\":", r->f);
    json_str(r->f, from);
  }
  fputc('}', r->f);
}

int fault_for(enum op_class c) {
  if (!G.fail_errno || !(G.fail_ops & (unsigned)c)) return 0;
  if (G.fail_until_ns && now_ns() >= G.fail_until_ns) {
    G.fail_errno = 0; // its time is up
    return 0;
  }
  G.stats.injected++;
  return G.fail_errno;
}

/** Whether SIGKILL is pending for the process (its shared or its thread's pending signals, /proc/PID/status). */
static bool being_killed(pid_t pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return true; // gone already
  bool killed = false;
  while (!killed && fgets(line, sizeof line, f)) {
    unsigned long long mask;
    if ((sscanf(line, "SigPnd: %llx", &mask) == 1 || sscanf(line, "ShdPnd: %llx", &mask) == 1) &&
        (mask & (1ULL << (SIGKILL - 1))))
      killed = true;
  }
  fclose(f);
  return killed;
}

bool fsync_delay(void) {
  unsigned ms = __atomic_load_n(&G.fsync_delay_ms, __ATOMIC_RELAXED);
  if (ms == 0) return true;
  pid_t pid = fuse_get_context()->pid;
  // In slices: the kernel's interrupt (mount option intr) comes for any signal the program gets; only a kill
  // abandons the fsync (others, a Go runtime's preemption signals for one, must not make fsync fail).
  for (unsigned left = ms; left > 0;) {
    unsigned slice = left < 10 ? left : 10;
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)slice * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    left -= slice;
    if (fuse_interrupted() && being_killed(pid)) return false;
  }
  return true;
}

/** The value of key=... among the words after the command (the path may hold spaces: it runs to the end). */
static const char *arg(const char *args, const char *key, char *buf, size_t size) {
  size_t k = strlen(key);
  for (const char *p = args; p && *p;) {
    while (*p == ' ') p++;
    if (strncmp(p, key, k) == 0 && p[k] == '=') {
      const char *v = p + k + 1;
      size_t n = strcmp(key, "path") == 0 ? strlen(v) : strcspn(v, " ");
      if (n >= size) return NULL;
      memcpy(buf, v, n);
      buf[n] = 0;
      return buf;
    }
    p = strchr(p, ' ');
  }
  return NULL;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out) {
  if (!s || !*s) return false;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v > max || s[0] == '-') return false;
  *out = v;
  return true;
}

static const char *class_names[] = {"read", "write", "create", "fsync"};

static void put_fault(FILE *o) {
  if (!G.fail_errno || (G.fail_until_ns && now_ns() >= G.fail_until_ns)) {
    fputs("null", o);
    return;
  }
  fprintf(o, "{\"errno\":\"%s\",\"ops\":[", G.fail_errno == ENOSPC ? "ENOSPC" : "EIO");
  bool first = true;
  for (unsigned i = 0; i < 4; i++)
    if (G.fail_ops & (1u << i)) {
      fprintf(o, "%s\"%s\"", first ? "" : ",", class_names[i]);
      first = false;
    }
  fputs("],\"remainingMs\":", o);
  if (G.fail_until_ns)
    fprintf(o, "%llu}", (unsigned long long)((G.fail_until_ns - now_ns()) / 1000000ULL));
  else
    fputs("null}", o);
}

/** Drop and tear need the program stopped: its handles closed (the kernel closes a killed process's shortly after). */
static bool busy(FILE *o) {
  if (G.open_files == 0 && G.open_dirs == 0) return false;
  fprintf(o,
          "{\"ok\":false,\"busy\":true,\"error\":\"%u files and %u directories are open on the mount; stop the "
          "program first\"}",
          G.open_files, G.open_dirs);
  return true;
}

static void cmd_drop(FILE *o) {
  if (busy(o)) return;
  char *text = NULL;
  size_t len = 0;
  struct report r = {.f = open_memstream(&text, &len)};
  if (!r.f) {
    fputs("{\"ok\":false,\"error\":\"out of memory\"}", o);
    return;
  }
  fputs("{\"files\":[", r.f);
  pc_drop(&r);
  dl_drop(&r);
  fprintf(r.f,
          "],\"filesOmitted\":%u,\"bytes\":%llu,\"entries\":%u,\"skipped\":%u,\"writebackFiles\":%llu,"
          "\"writebackBytes\":%llu}",
          r.omitted, (unsigned long long)r.bytes, r.entries, r.skipped,
          (unsigned long long)G.stats.writeback_files, (unsigned long long)G.stats.writeback_bytes);
  fclose(r.f);
  free(G.last_drop);
  G.last_drop = text;
  G.stats.drops++;
  // Write-back under pressure is counted per drop: it says the model was not strict since the last one.
  G.stats.writeback_files = G.stats.writeback_bytes = 0;
  log_msg("drop: %s", text);
  fprintf(o, "{\"ok\":true,\"report\":%s}", text);
}

static void cmd_tear(const char *args, FILE *o) {
  if (busy(o)) return;
  char sbuf[32], pbuf[4096];
  uint64_t seed = 1;
  const char *s = arg(args, "seed", sbuf, sizeof sbuf);
  if (s && !parse_u64(s, UINT64_MAX, &seed)) {
    fputs("{\"ok\":false,\"error\":\"tear: seed must be a non-negative integer\"}", o);
    return;
  }
  const char *p = arg(args, "path", pbuf, sizeof pbuf);
  while (p && *p == '/') p++;
  pc_tear(p && *p ? p : NULL, seed, o);
}

static void cmd_fail(const char *args, FILE *o) {
  char ebuf[16], obuf[64], mbuf[32];
  const char *e = arg(args, "errno", ebuf, sizeof ebuf), *ops = arg(args, "ops", obuf, sizeof obuf);
  const char *ms = arg(args, "ms", mbuf, sizeof mbuf);
  int err = e && !strcmp(e, "EIO") ? EIO : e && !strcmp(e, "ENOSPC") ? ENOSPC : 0;
  if (!err) {
    fputs("{\"ok\":false,\"error\":\"fail: errno must be EIO or ENOSPC\"}", o);
    return;
  }
  unsigned mask = 0;
  for (char *tok = ops ? strtok(obuf, ",") : NULL; tok; tok = strtok(NULL, ",")) {
    unsigned bit = 0;
    for (unsigned i = 0; i < 4; i++)
      if (!strcmp(tok, class_names[i])) bit = 1u << i;
    if (!bit) {
      fputs("{\"ok\":false,\"error\":\"fail: ops are read, write, create, fsync (comma-separated)\"}", o);
      return;
    }
    mask |= bit;
  }
  if (!mask) {
    fputs("{\"ok\":false,\"error\":\"fail: ops=... is required (read, write, create, fsync)\"}", o);
    return;
  }
  uint64_t dur = 0;
  if (ms && (!parse_u64(ms, 86400000ULL, &dur) || dur == 0)) {
    fputs("{\"ok\":false,\"error\":\"fail: ms must be a positive integer (at most a day)\"}", o);
    return;
  }
  G.fail_errno = err;
  G.fail_ops = mask;
  G.fail_until_ns = dur ? now_ns() + dur * 1000000ULL : 0;
  log_msg("fail %s", args);
  fputs("{\"ok\":true}", o);
}

static void cmd_status(FILE *o) {
  uint64_t pending_bytes = G.undo_bytes;
  fprintf(o,
          "{\"ok\":true,\"openFiles\":%u,\"openDirs\":%u,\"dirtyFiles\":%u,\"undoBytes\":%llu,"
          "\"pendingDirChanges\":%u,\"dirs\":\"%s\",\"fsyncDelayMs\":%u,\"fault\":",
          G.open_files, G.open_dirs, pc_dirty_files(), (unsigned long long)pending_bytes, G.nops,
          G.journal ? "journal" : "strict", G.fsync_delay_ms);
  put_fault(o);
  fprintf(o,
          ",\"stats\":{\"writes\":%llu,\"fsyncs\":%llu,\"dirFsyncs\":%llu,\"injected\":%llu,\"writebackFiles\":%llu,"
          "\"writebackBytes\":%llu,\"dirCommitsForced\":%llu,\"drops\":%llu}}",
          (unsigned long long)G.stats.writes, (unsigned long long)G.stats.fsyncs,
          (unsigned long long)G.stats.dir_fsyncs, (unsigned long long)G.stats.injected,
          (unsigned long long)G.stats.writeback_files, (unsigned long long)G.stats.writeback_bytes,
          (unsigned long long)G.stats.dir_commits_forced, (unsigned long long)G.stats.drops);
}

/** Runs one command line; the answer goes to o. */
static void run(char *line, FILE *o) {
  char *args = strchr(line, ' ');
  if (args) *args++ = 0;
  pthread_mutex_lock(&G.lock);
  if (!strcmp(line, "ping"))
    fputs("{\"ok\":true}", o);
  else if (!strcmp(line, "status"))
    cmd_status(o);
  else if (!strcmp(line, "drop"))
    cmd_drop(o);
  else if (!strcmp(line, "tear"))
    cmd_tear(args, o);
  else if (!strcmp(line, "fail"))
    cmd_fail(args, o);
  else if (!strcmp(line, "clear")) {
    G.fail_errno = 0;
    fputs("{\"ok\":true}", o);
  } else if (!strcmp(line, "delay-fsync")) {
    char mbuf[32];
    uint64_t ms;
    if (!parse_u64(arg(args, "ms", mbuf, sizeof mbuf), MAX_DELAY_MS, &ms))
      fprintf(o, "{\"ok\":false,\"error\":\"delay-fsync: ms=N is required, 0 to %d\"}", MAX_DELAY_MS);
    else {
      __atomic_store_n(&G.fsync_delay_ms, (unsigned)ms, __ATOMIC_RELAXED);
      fputs("{\"ok\":true}", o);
    }
  } else if (!strcmp(line, "last-drop"))
    fprintf(o, "{\"ok\":true,\"report\":%s}", G.last_drop ? G.last_drop : "null");
  else {
    fputs("{\"ok\":false,\"error\":", o);
    json_str(o, "unknown command (ping, status, drop, tear, fail, clear, delay-fsync, last-drop)");
    fputc('}', o);
  }
  pthread_mutex_unlock(&G.lock);
}

static void serve_conn(int c) {
  char buf[LINE_MAX_BYTES + 1];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(c, buf + have, LINE_MAX_BYTES - have);
    if (n <= 0) return;
    have += (size_t)n;
    char *nl;
    while ((nl = memchr(buf, '\n', have))) {
      *nl = 0;
      if (nl > buf && nl[-1] == '\r') nl[-1] = 0;
      char *out = NULL;
      size_t len = 0;
      FILE *o = open_memstream(&out, &len);
      if (!o) return;
      run(buf, o);
      fputc('\n', o);
      fclose(o);
      for (size_t w = 0; w < len;) {
        ssize_t k = write(c, out + w, len - w);
        if (k <= 0) {
          free(out);
          return;
        }
        w += (size_t)k;
      }
      free(out);
      size_t used = (size_t)(nl - buf) + 1;
      memmove(buf, nl + 1, have - used);
      have -= used;
    }
    if (have == LINE_MAX_BYTES) {
      static const char too_long[] = "{\"ok\":false,\"error\":\"command longer than 4096 bytes\"}\n";
      if (write(c, too_long, sizeof too_long - 1) < 0) return;
      return;
    }
  }
}

static void *serve(void *unused) {
  (void)unused;
  for (;;) {
    int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return NULL;
    }
    serve_conn(c);
    close(c);
  }
}

int control_start(const char *path) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof a.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(a.sun_path, path);
  strcpy(socket_path, path);
  listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd < 0) return -1;
  unlink(path);
  mode_t old = umask(0177); // 0600: only the harness's user may crash this disk
  int r = bind(listen_fd, (struct sockaddr *)&a, sizeof a);
  umask(old);
  if (r != 0 || listen(listen_fd, 4) != 0) return -1;
  return pthread_create(&thread, NULL, serve, NULL) == 0 ? 0 : -1;
}

void control_stop(void) {
  if (listen_fd < 0) return;
  shutdown(listen_fd, SHUT_RDWR);
  close(listen_fd);
  unlink(socket_path);
  listen_fd = -1;
}
