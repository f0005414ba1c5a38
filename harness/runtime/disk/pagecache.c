// The page cache model for file data: written bytes are visible at once (they are in the backing file) but durable
// only after fsync or fdatasync of the file, or at once for a write through an O_SYNC/O_DSYNC descriptor (the
// kernel follows such a write with an fsync of the whole file through FUSE, so the whole file becomes durable,
// where ext4 would sync that range only: earlier unsynced writes elsewhere in the file survive here).
//
// Why an undo log rather than LazyFS's cache of the new data in memory: reads then need no model at all (they
// read the backing file), mmap works through the kernel's own FUSE page cache, and the memory held is the
// bytes a program overwrote in place since its last fsync, not everything it wrote: an append-only log (the
// reference node's WAL, etcd's WAL) costs only its durable size, a B-tree that rewrites pages (etcd's bbolt)
// the old pages until its next fdatasync.
//
// Per file (by inode, so renames and unlinks do not matter) we keep its durable size and, for bytes below that
// size overwritten since, their durable contents (saved once, before the first overwrite). The crash truncates
// the file to its durable size and writes the saved bytes back. Memory is bounded: beyond max_undo_bytes or
// max_dirty files, the file written least recently is written back (made durable) as a kernel under memory
// pressure would; status reports how often that happened, so a run can tell the model was not strict.
#include "faultfs.h" // first: it defines _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NBUCKETS (sizeof G.buckets / sizeof G.buckets[0])
#define OFF_MAX ((off_t)INT64_MAX)

static struct dirty *find(ino_t ino) {
  for (struct dirty *d = G.buckets[ino % NBUCKETS]; d; d = d->next)
    if (d->ino == ino) return d;
  return NULL;
}

static struct dirty *find_fd(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? find(st.st_ino) : NULL;
}

static off_t size_of(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? st.st_size : -1;
}

static void range_free(struct range *r) {
  if (r->old) G.undo_bytes -= (uint64_t)r->len;
  G.undo_bytes -= sizeof *r;
  free(r->old);
  free(r);
}

/** The file's record, made on its first change since it was last durable: its durable size is its size now. */
static struct dirty *track(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return NULL;
  struct dirty *d = find(st.st_ino);
  if (d) return d;
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  int own = open(p, O_RDWR | O_CLOEXEC); // the same inode, even unlinked, readable and writable for the undo
  if (own < 0) return NULL;
  d = calloc(1, sizeof *d);
  if (!d) {
    close(own);
    errno = ENOMEM;
    return NULL;
  }
  d->ino = st.st_ino;
  d->fd = own;
  d->synced_size = st.st_size;
  d->next = G.buckets[st.st_ino % NBUCKETS];
  G.buckets[st.st_ino % NBUCKETS] = d;
  G.ndirty++;
  return d;
}

static void untrack(struct dirty *d) {
  struct dirty **pp = &G.buckets[d->ino % NBUCKETS];
  while (*pp != d) pp = &(*pp)->next;
  *pp = d->next;
  while (d->ranges) {
    struct range *r = d->ranges;
    d->ranges = r->next;
    range_free(r);
  }
  close(d->fd);
  free(d);
  G.ndirty--;
}

static void read_fully(int fd, unsigned char *buf, off_t off, off_t len) {
  off_t done = 0;
  while (done < len) {
    ssize_t n = pread(fd, buf + done, (size_t)(len - done), off + done);
    if (n <= 0) break;
    done += n;
  }
  memset(buf + done, 0, (size_t)(len - done)); // beyond the end of the file: zeros
}

/** Ensures no range straddles pos (splits the one that does). */
static int split_at(struct dirty *d, off_t pos) {
  for (struct range *r = d->ranges; r && r->off < pos; r = r->next) {
    if (pos >= r->off + r->len) continue;
    off_t head = pos - r->off;
    struct range *n = calloc(1, sizeof *n);
    if (!n) return -ENOMEM;
    n->off = pos;
    n->len = r->len - head;
    n->sticky = r->sticky;
    if (r->old) {
      n->old = malloc((size_t)n->len);
      if (!n->old) {
        free(n);
        return -ENOMEM;
      }
      memcpy(n->old, r->old + head, (size_t)n->len);
      unsigned char *shrunk = realloc(r->old, (size_t)head);
      if (shrunk) r->old = shrunk;
    }
    r->len = head;
    n->next = r->next;
    r->next = n;
    G.undo_bytes += sizeof *n;
    return 0;
  }
  return 0;
}

/**
 * Records the durable contents of the bytes of [a, b) that no range covers yet: read from the file (`zeros`
 * false) or zeros (bytes beyond the durable size that a tear or an O_DSYNC write makes durable around them).
 */
static int fill_gaps(struct dirty *d, off_t a, off_t b, bool zeros, bool sticky) {
  struct range **pp = &d->ranges;
  off_t pos = a;
  while (pos < b) {
    while (*pp && (*pp)->off + (*pp)->len <= pos) pp = &(*pp)->next;
    struct range *r = *pp;
    if (r && r->off <= pos) {
      pos = r->off + r->len;
      continue;
    }
    off_t end = r && r->off < b ? r->off : b;
    struct range *n = calloc(1, sizeof *n);
    if (!n) return -ENOMEM;
    n->off = pos;
    n->len = end - pos;
    n->sticky = sticky;
    if (!zeros) {
      n->old = malloc((size_t)n->len);
      if (!n->old) {
        free(n);
        return -ENOMEM;
      }
      read_fully(d->fd, n->old, pos, n->len);
      G.undo_bytes += (uint64_t)n->len;
    }
    G.undo_bytes += sizeof *n;
    if (sticky) d->has_sticky = true;
    n->next = r;
    *pp = n;
    pp = &n->next;
    pos = end;
  }
  return 0;
}

/** Bytes [a, b) were written again: a failed fsync's loss no longer applies to them (the page is dirty anew). */
static int unstick(struct dirty *d, off_t a, off_t b) {
  if (!d->has_sticky) return 0;
  int e = split_at(d, a);
  if (!e) e = split_at(d, b);
  if (e) return e;
  for (struct range *r = d->ranges; r && r->off < b; r = r->next)
    if (r->off >= a) r->sticky = false;
  return 0;
}

/** Forgets the ranges inside [a, b) (those bytes are durable as they are now). */
static int forget_in(struct dirty *d, off_t a, off_t b) {
  int e = split_at(d, a);
  if (!e) e = split_at(d, b);
  if (e) return e;
  struct range **pp = &d->ranges;
  while (*pp) {
    struct range *r = *pp;
    if (r->off >= a && r->off + r->len <= b) {
      *pp = r->next;
      range_free(r);
    } else {
      pp = &r->next;
    }
  }
  return 0;
}

/** Bytes [a, b) become durable as they are now; a gap between the durable end and a reads as zeros (a hole). */
static int make_durable(struct dirty *d, off_t a, off_t b) {
  if (b <= a) return 0;
  if (a > d->synced_size) {
    int e = fill_gaps(d, d->synced_size, a, true, false);
    if (e) return e;
  }
  if (b > d->synced_size) d->synced_size = b;
  return forget_in(d, a, b);
}

/** What a successful fsync does: everything but a failed fsync's loss is durable. Returns bytes made durable. */
static uint64_t commit(struct dirty *d) {
  uint64_t freed = 0;
  struct range **pp = &d->ranges;
  while (*pp) {
    struct range *r = *pp;
    if (!r->sticky) {
      freed += (uint64_t)r->len;
      *pp = r->next;
      range_free(r);
    } else {
      pp = &r->next;
    }
  }
  off_t size = size_of(d->fd);
  if (size > d->synced_size) freed += (uint64_t)(size - d->synced_size);
  if (size >= 0) d->synced_size = size;
  d->last_len = 0;
  return freed;
}

/** Whether a successful fsync would make anything of the file durable that is not yet. */
static bool pending(struct dirty *d) {
  if (size_of(d->fd) != d->synced_size) return true;
  for (struct range *r = d->ranges; r; r = r->next)
    if (!r->sticky) return true;
  return false;
}

/**
 * Over the memory or file bound: write back the file written least recently, as the kernel would, until under
 * it. A file whose only undo is a failed fsync's loss has nothing to write back; if those are what holds the
 * memory, the oldest is forgotten (its loss becomes durable), so the bound holds whatever the program does.
 */
static void pressure(void) {
  while (G.undo_bytes > G.max_undo_bytes || G.ndirty > G.max_dirty) {
    struct dirty *oldest = NULL, *oldest_any = NULL;
    for (size_t i = 0; i < NBUCKETS; i++)
      for (struct dirty *d = G.buckets[i]; d; d = d->next) {
        if (!oldest_any || d->last_seq < oldest_any->last_seq) oldest_any = d;
        if (pending(d) && (!oldest || d->last_seq < oldest->last_seq)) oldest = d;
      }
    if (!oldest_any) return;
    G.stats.writeback_files++;
    if (oldest) {
      G.stats.writeback_bytes += commit(oldest);
      if (!oldest->ranges) untrack(oldest);
    } else {
      untrack(oldest_any);
    }
  }
}

int pc_before_write(int fd, off_t off, off_t len, bool sync_write) {
  (void)sync_write;
  struct dirty *d = track(fd);
  if (!d) return -errno;
  off_t end = off + len;
  int e = fill_gaps(d, off, end < d->synced_size ? end : d->synced_size, false, false);
  if (!e) e = unstick(d, off, end);
  return e;
}

void pc_after_write(int fd, off_t off, off_t n, bool sync_write) {
  struct dirty *d = find_fd(fd);
  if (!d) return;
  G.stats.writes++;
  d->last_seq = ++G.write_seq;
  d->last_off = off;
  d->last_len = n;
  if (sync_write) {
    make_durable(d, off, off + n);
    d->last_len = 0;
    if (!d->ranges && d->synced_size == size_of(d->fd)) untrack(d);
  }
  pressure();
}

int pc_before_resize(int fd, off_t size) {
  struct dirty *d = track(fd);
  if (!d) return -errno;
  off_t cur = size_of(d->fd);
  int e = 0;
  if (size < cur) {
    off_t keep = cur < d->synced_size ? cur : d->synced_size;
    e = fill_gaps(d, size, keep, false, false);
    if (!e) e = unstick(d, size, OFF_MAX);
  } else if (size > cur) {
    e = fill_gaps(d, cur, size < d->synced_size ? size : d->synced_size, false, false);
  }
  d->last_len = 0;
  if (!e) pressure();
  return e;
}

int pc_before_zero(int fd, off_t off, off_t len) {
  struct dirty *d = track(fd);
  if (!d) return -errno;
  off_t end = off + len;
  int e = fill_gaps(d, off, end < d->synced_size ? end : d->synced_size, false, false);
  if (!e) e = unstick(d, off, end);
  d->last_len = 0;
  if (!e) pressure();
  return e;
}

void pc_fsync(int fd, bool ok) {
  struct dirty *d = find_fd(fd);
  if (!d) return;
  if (ok) {
    commit(d);
    if (!d->ranges) untrack(d);
    return;
  }
  // Failed: what is dirty now never reaches the disk, even if a later fsync succeeds (Linux marks those pages
  // clean). Appended bytes beyond the durable size would read as zeros once a later fsync makes the size durable.
  off_t size = size_of(d->fd);
  fill_gaps(d, d->synced_size, size, true, true);
  for (struct range *r = d->ranges; r; r = r->next) r->sticky = true;
  d->has_sticky = true;
  d->last_len = 0;
}

const char *fd_path(int fd, char *buf, size_t size) {
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(p, buf, size - 1);
  if (n < 0) return "?";
  buf[n] = 0;
  size_t b = strlen(G.backing_path);
  if (strncmp(buf, G.backing_path, b) == 0 && buf[b] == '/') return buf + b + 1;
  return buf;
}

static int write_back(int fd, const unsigned char *old, off_t off, off_t len) {
  static const unsigned char zeros[65536];
  off_t done = 0;
  while (done < len) {
    size_t chunk = (size_t)(len - done);
    const unsigned char *src = old ? old + done : zeros;
    if (!old && chunk > sizeof zeros) chunk = sizeof zeros;
    ssize_t n = pwrite(fd, src, chunk, off + done);
    if (n <= 0) return -1;
    done += n;
  }
  return 0;
}

void pc_drop(struct report *rep) {
  for (size_t i = 0; i < NBUCKETS; i++) {
    while (G.buckets[i]) {
      struct dirty *d = G.buckets[i];
      off_t size = size_of(d->fd);
      uint64_t lost = size > d->synced_size ? (uint64_t)(size - d->synced_size) : 0;
      if (ftruncate(d->fd, d->synced_size) != 0) log_msg("drop: truncate inode %lu: %m", (unsigned long)d->ino);
      for (struct range *r = d->ranges; r; r = r->next) {
        if (r->off >= d->synced_size) continue;
        off_t len = r->off + r->len > d->synced_size ? d->synced_size - r->off : r->len;
        if (write_back(d->fd, r->old, r->off, len) != 0) log_msg("drop: restore inode %lu: %m", (unsigned long)d->ino);
        lost += (uint64_t)len;
      }
      if (lost > 0) {
        char buf[4096];
        const char *p = fd_path(d->fd, buf, sizeof buf);
        report_file(rep, strncmp(p, TRASH_NAME "/", sizeof TRASH_NAME) == 0 ? "(an unlinked file)" : p, lost, "data",
                    NULL);
        rep->bytes += lost;
      }
      untrack(d);
    }
  }
}

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int pc_tear(const char *relpath, uint64_t seed, FILE *reply) {
  struct dirty *d = NULL;
  if (relpath) {
    struct stat st;
    if (fstatat(G.root, relpath, &st, AT_SYMLINK_NOFOLLOW) == 0) d = find(st.st_ino);
  } else {
    for (size_t i = 0; i < NBUCKETS; i++)
      for (struct dirty *x = G.buckets[i]; x; x = x->next)
        if (x->last_len > 0 && (!d || x->last_seq > d->last_seq)) d = x;
  }
  if (!d || d->last_len == 0) {
    fputs("{\"ok\":false,\"error\":\"no unsynced write to tear\"", reply);
    if (relpath) {
      fputs(",\"path\":", reply);
      json_str(reply, relpath);
    }
    fputs("}", reply);
    return -1;
  }
  // At least one byte kept and one lost, so the write is really torn (a write of one byte cannot be).
  uint64_t s = seed;
  off_t kept = d->last_len > 1 ? 1 + (off_t)(splitmix64(&s) % (uint64_t)(d->last_len - 1)) : 0;
  int e = make_durable(d, d->last_off, d->last_off + kept);
  if (e) {
    fprintf(reply, "{\"ok\":false,\"error\":\"tear: %s\"}", strerror(-e));
    return -1;
  }
  char buf[4096];
  fputs("{\"ok\":true,\"path\":", reply);
  json_str(reply, fd_path(d->fd, buf, sizeof buf));
  fprintf(reply, ",\"offset\":%lld,\"length\":%lld,\"kept\":%lld}", (long long)d->last_off, (long long)d->last_len,
          (long long)kept);
  d->last_len = 0;
  return 0;
}

void pc_forget_all(void) {
  for (size_t i = 0; i < NBUCKETS; i++)
    while (G.buckets[i]) untrack(G.buckets[i]);
}

unsigned pc_dirty_files(void) {
  return G.ndirty;
}
