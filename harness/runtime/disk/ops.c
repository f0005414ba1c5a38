// The FUSE operations: each passes through to the backing directory (paths relative to G.root) and tells the
// page cache model (pagecache.c) or the directory model (dirlog.c) what it is about to change, under G.lock.
// Reads and fsync delays run outside the lock. Injected errors (control.c) answer before anything changes.
//
// A process killed inside a slow fsync: the kernel interrupts the request (fuse_config intr), the delay ends
// early and the fsync answers EINTR without making anything durable; it never returned to the program, and a
// crash-drop after the kill finds the write still unsynced, as a machine that crashed during the fsync would.
// A handle lives until its release and until no read or fsync still uses it (a release can overtake them).
//
// Not supported, on purpose: RENAME_EXCHANGE (EINVAL), extended attributes (ENOTSUP from the kernel), fallocate
// modes other than plain, keep-size, punch-hole and zero-range (EOPNOTSUPP). Locks (flock, fcntl) are the
// kernel's own, local to this machine. Changes of mode, owner and times are durable at once (not modelled).
#include "faultfs.h" // first: it defines _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/** An open file or directory: our descriptor of the backing one. */
struct handle {
  int fd;
  bool sync; // opened O_SYNC or O_DSYNC: every write is durable at once
  DIR *dir;
  bool root;     // the mount's root directory (its listing hides the trash)
  unsigned busy; // reads and fsyncs using it outside the lock
  bool released; // the kernel released it; freed when not busy
};

#define H(fi) ((struct handle *)(uintptr_t)(fi)->fh)
#define LOCK() pthread_mutex_lock(&G.lock)
#define UNLOCK() pthread_mutex_unlock(&G.lock)

static void free_handle(struct handle *h) {
  if (h->dir)
    closedir(h->dir);
  else
    close(h->fd);
  free(h);
}

/** Marks the handle in use outside the lock (G.lock held). */
static struct handle *hold(struct fuse_file_info *fi) {
  struct handle *h = H(fi);
  h->busy++;
  return h;
}

/** Ends a hold (G.lock held); frees a handle released meanwhile. */
static void unhold(struct handle *h) {
  if (--h->busy == 0 && h->released) free_handle(h);
}

/** Release or releasedir (G.lock held). */
static void release(struct handle *h) {
  h->released = true;
  if (h->busy == 0) free_handle(h);
}

const char *rel(const char *path) {
  return path[1] ? path + 1 : ".";
}

/** The trash folder at the root does not exist as far as the mount is concerned. */
static bool hidden(const char *path) {
  size_t n = sizeof TRASH_NAME - 1;
  return path && path[0] == '/' && strncmp(path + 1, TRASH_NAME, n) == 0 && (path[1 + n] == 0 || path[1 + n] == '/');
}

/** Files the program creates belong to it, not to the layer (which runs as root). */
static void own(const char *relpath) {
  if (geteuid() != 0) return;
  struct fuse_context *c = fuse_get_context();
  if (fchownat(G.root, relpath, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) != 0) log_msg("chown %s: %m", relpath);
}

/** Flags for our descriptor of the backing file: durability is modelled, appends come with their offset. */
static int backing_flags(int flags) {
  return (flags & ~(O_APPEND | O_DIRECT | O_SYNC | O_DSYNC | O_TRUNC | O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC;
}

static int new_handle(struct fuse_file_info *fi, int fd, int flags) {
  struct handle *h = calloc(1, sizeof *h);
  if (!h) {
    close(fd);
    return -ENOMEM;
  }
  h->fd = fd;
  h->sync = (flags & (O_SYNC | O_DSYNC)) != 0;
  fi->fh = (uint64_t)(uintptr_t)h;
  fi->keep_cache = 0; // the kernel drops its cached pages at every open: after a drop they would be stale
  G.open_files++;
  return 0;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  if (!(fi && fi->fh) && (!path || hidden(path))) return -ENOENT;
  LOCK();
  int r = (fi && fi->fh ? fstat(H(fi)->fd, st) : fstatat(G.root, rel(path), st, AT_SYMLINK_NOFOLLOW)) == 0 ? 0 : -errno;
  UNLOCK();
  return r;
}

static int op_readlink(const char *path, char *buf, size_t size) {
  if (hidden(path)) return -ENOENT;
  ssize_t n = readlinkat(G.root, rel(path), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = 0;
  return 0;
}

/** After a create of any kind: owner, and the journal entry that undoes it. */
static int created(const char *r, bool is_dir) {
  struct stat st;
  if (fstatat(G.root, r, &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  own(r);
  dl_created(r, st.st_ino, is_dir);
  return 0;
}

static int op_mknod(const char *path, mode_t mode, dev_t rdev) {
  if (hidden(path)) return -EPERM;
  const char *r = rel(path);
  LOCK();
  int e = fault_for(OPC_CREATE), res;
  if (e)
    res = -e;
  else if (S_ISREG(mode)) {
    int fd = openat(G.root, r, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
    res = fd < 0 ? -errno : (close(fd), 0);
  } else {
    res = mknodat(G.root, r, mode, rdev) == 0 ? 0 : -errno;
  }
  if (res == 0) res = created(r, false);
  UNLOCK();
  return res;
}

static int op_mkdir(const char *path, mode_t mode) {
  if (hidden(path)) return -EPERM;
  const char *r = rel(path);
  LOCK();
  int e = fault_for(OPC_CREATE);
  int res = e ? -e : mkdirat(G.root, r, mode) == 0 ? 0 : -errno;
  if (res == 0) res = created(r, true);
  UNLOCK();
  return res;
}

/** unlink or rmdir: into the trash until the directory is synced (dirlog.c). */
static int remove_entry(const char *path, bool is_dir) {
  if (hidden(path)) return -ENOENT;
  LOCK();
  int res = dl_unlink(rel(path), is_dir);
  UNLOCK();
  return res;
}

static int op_unlink(const char *path) {
  return remove_entry(path, false);
}

static int op_rmdir(const char *path) {
  return remove_entry(path, true);
}

static int op_symlink(const char *target, const char *path) {
  if (hidden(path)) return -EPERM;
  const char *r = rel(path);
  LOCK();
  int e = fault_for(OPC_CREATE);
  int res = e ? -e : symlinkat(target, G.root, r) == 0 ? 0 : -errno;
  if (res == 0) res = created(r, false);
  UNLOCK();
  return res;
}

static int op_rename(const char *from, const char *to, unsigned int flags) {
  if (hidden(from)) return -ENOENT;
  if (hidden(to)) return -EPERM;
  if (flags & RENAME_EXCHANGE) return -EINVAL;
  LOCK();
  struct stat st;
  int e = fault_for(OPC_CREATE), res;
  if (e)
    res = -e;
  else if ((flags & RENAME_NOREPLACE) && fstatat(G.root, rel(to), &st, AT_SYMLINK_NOFOLLOW) == 0)
    res = -EEXIST;
  else
    res = dl_rename(rel(from), rel(to));
  UNLOCK();
  return res;
}

static int op_link(const char *from, const char *to) {
  if (hidden(from)) return -ENOENT;
  if (hidden(to)) return -EPERM;
  const char *r = rel(to);
  LOCK();
  int e = fault_for(OPC_CREATE);
  int res = e ? -e : linkat(G.root, rel(from), G.root, r, 0) == 0 ? 0 : -errno;
  if (res == 0) {
    struct stat st;
    if (fstatat(G.root, r, &st, AT_SYMLINK_NOFOLLOW) == 0) dl_created(r, st.st_ino, false);
  }
  UNLOCK();
  return res;
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  if (!(fi && fi->fh) && hidden(path)) return -ENOENT;
  LOCK();
  int r = (fi && fi->fh ? fchmod(H(fi)->fd, mode) : fchmodat(G.root, rel(path), mode, 0)) == 0 ? 0 : -errno;
  UNLOCK();
  return r;
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
  if (!(fi && fi->fh) && hidden(path)) return -ENOENT;
  LOCK();
  int r = (fi && fi->fh ? fchown(H(fi)->fd, uid, gid) : fchownat(G.root, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW)) == 0
              ? 0
              : -errno;
  UNLOCK();
  return r;
}

/** Resize through fd, telling the page cache first (holds G.lock). */
static int resize(int fd, off_t size) {
  int e = fault_for(OPC_WRITE);
  if (e) return -e;
  e = pc_before_resize(fd, size);
  if (e) return e;
  return ftruncate(fd, size) == 0 ? 0 : -errno;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  if (!(fi && fi->fh) && hidden(path)) return -ENOENT;
  LOCK();
  int res;
  if (fi && fi->fh) {
    res = resize(H(fi)->fd, size);
  } else {
    int fd = openat(G.root, rel(path), O_WRONLY | O_CLOEXEC);
    res = fd < 0 ? -errno : resize(fd, size);
    if (fd >= 0) close(fd);
  }
  UNLOCK();
  return res;
}

static int op_open(const char *path, struct fuse_file_info *fi) {
  if (hidden(path)) return -ENOENT;
  LOCK();
  int fd = openat(G.root, rel(path), backing_flags(fi->flags)), res;
  if (fd < 0)
    res = -errno;
  else if ((fi->flags & O_TRUNC) && (fi->flags & O_ACCMODE) != O_RDONLY && (res = resize(fd, 0)) != 0)
    close(fd);
  else
    res = new_handle(fi, fd, fi->flags);
  UNLOCK();
  return res;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  if (hidden(path)) return -EPERM;
  const char *r = rel(path);
  LOCK();
  int e = fault_for(OPC_CREATE), res;
  if (e) {
    UNLOCK();
    return -e;
  }
  int fd = openat(G.root, r, backing_flags(fi->flags) | O_CREAT | O_EXCL, mode);
  if (fd >= 0) {
    res = created(r, false);
    if (res != 0) close(fd);
  } else if (errno == EEXIST && !(fi->flags & O_EXCL)) {
    // It appeared since the kernel looked it up: an open of an existing file, not a create.
    fd = openat(G.root, r, backing_flags(fi->flags));
    res = fd < 0 ? -errno : 0;
    if (res == 0 && (fi->flags & O_TRUNC) && (res = resize(fd, 0)) != 0) close(fd);
  } else {
    res = -errno;
  }
  if (res == 0) res = new_handle(fi, fd, fi->flags);
  UNLOCK();
  return res;
}

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  LOCK();
  int e = fault_for(OPC_READ);
  struct handle *h = e ? NULL : hold(fi);
  UNLOCK();
  if (e) return -e;
  size_t done = 0;
  while (done < size) {
    ssize_t n = pread(h->fd, buf + done, size - done, off + (off_t)done);
    if (n < 0) {
      e = errno;
      break;
    }
    if (n == 0) break;
    done += (size_t)n;
  }
  LOCK();
  unhold(h);
  UNLOCK();
  return e && done == 0 ? -e : (int)done;
}

static int op_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  LOCK();
  struct handle *h = H(fi);
  int e = fault_for(OPC_WRITE);
  if (!e) e = -pc_before_write(h->fd, off, (off_t)size, h->sync);
  if (e) {
    UNLOCK();
    return -e;
  }
  size_t done = 0;
  while (done < size) {
    ssize_t n = pwrite(h->fd, buf + done, size - done, off + (off_t)done);
    if (n <= 0) {
      e = n < 0 ? errno : EIO;
      break;
    }
    done += (size_t)n;
  }
  if (done > 0) pc_after_write(h->fd, off, (off_t)done, h->sync);
  if (done > 0 && h->sync) dl_file_synced();
  UNLOCK();
  return done > 0 ? (int)done : -e;
}

static int op_statfs(const char *path, struct statvfs *st) {
  (void)path;
  if (fstatvfs(G.root, st) != 0) return -errno;
  LOCK();
  // A disk made full by injection says so to df and to programs that check free space first.
  if (G.fail_errno == ENOSPC && (G.fail_ops & OPC_WRITE)) st->f_bfree = st->f_bavail = 0;
  UNLOCK();
  return 0;
}

/** Release or releasedir: one fewer open handle of that kind. */
static int close_handle(struct fuse_file_info *fi, unsigned *open_count) {
  LOCK();
  release(H(fi));
  (*open_count)--;
  UNLOCK();
  return 0;
}

static int op_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  return close_handle(fi, &G.open_files);
}

/** fsync (or fdatasync) of a file, or of a directory: the delay, then the injected error or the model's commit. */
static int do_fsync(struct fuse_file_info *fi, bool dir) {
  LOCK();
  struct handle *h = hold(fi);
  UNLOCK();
  bool completed = fsync_delay();
  LOCK();
  int e = EINTR;
  if (completed && !h->released) { // else the program died waiting for it: nothing became durable
    e = fault_for(OPC_FSYNC);
    if (dir) {
      struct stat st;
      if (!e && fstat(h->fd, &st) == 0) dl_dir_synced(st.st_ino);
      G.stats.dir_fsyncs++;
    } else {
      pc_fsync(h->fd, e == 0);
      if (!e) dl_file_synced();
      G.stats.fsyncs++;
    }
  }
  unhold(h);
  UNLOCK();
  return -e;
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  (void)datasync; // fdatasync makes the size durable too, which is all the metadata this model has
  return do_fsync(fi, false);
}

static int op_opendir(const char *path, struct fuse_file_info *fi) {
  if (hidden(path)) return -ENOENT;
  int fd = openat(G.root, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  struct handle *h = calloc(1, sizeof *h);
  DIR *d = h ? fdopendir(fd) : NULL;
  if (!d) {
    int e = h ? errno : ENOMEM;
    free(h);
    close(fd);
    return -e;
  }
  h->fd = fd;
  h->dir = d;
  h->root = strcmp(path, "/") == 0;
  fi->fh = (uint64_t)(uintptr_t)h;
  LOCK();
  G.open_dirs++;
  UNLOCK();
  return 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags) {
  (void)path; // may be NULL (nullpath_ok)
  (void)off;
  (void)flags;
  struct handle *h = H(fi);
  LOCK();
  rewinddir(h->dir);
  struct dirent *e;
  while ((e = readdir(h->dir))) {
    if (h->root && strcmp(e->d_name, TRASH_NAME) == 0) continue;
    struct stat st = {.st_ino = e->d_ino, .st_mode = (mode_t)DTTOIF(e->d_type)};
    if (fill(buf, e->d_name, &st, 0, 0)) break;
  }
  UNLOCK();
  return 0;
}

static int op_releasedir(const char *path, struct fuse_file_info *fi) {
  (void)path;
  return close_handle(fi, &G.open_dirs);
}

static int op_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  (void)datasync;
  return do_fsync(fi, true);
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  cfg->use_ino = 1;
  cfg->hard_remove = 1; // our unlink moves the file to the trash; open descriptors keep working on it
  cfg->nullpath_ok = 1;
  cfg->intr = 1; // a killed program's slow fsync can be abandoned (control.c, fsync_delay)
  // No kernel caching of names or attributes: after a drop the kernel must see the backing directory as it is.
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->kernel_cache = 0;
  cfg->auto_cache = 0;
  // Every write reaches us as it happens (no kernel write-back cache holding it).
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  // Cached pages need no check of the file's attributes before each read (with no attribute caching that is a
  // round trip per read): only a drop changes files behind the kernel's back, and it waits until none is open,
  // while every open drops the cached pages (keep_cache 0).
  conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
  return NULL;
}

static void op_destroy(void *data) {
  (void)data;
  // A clean unmount: the machine shuts down properly, everything written is durable.
  LOCK();
  pc_forget_all();
  dl_forget_all();
  UNLOCK();
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
  if (!(fi && fi->fh) && hidden(path)) return -ENOENT;
  LOCK();
  int r = (fi && fi->fh ? futimens(H(fi)->fd, tv) : utimensat(G.root, rel(path), tv, AT_SYMLINK_NOFOLLOW)) == 0 ? 0
                                                                                                          : -errno;
  UNLOCK();
  return r;
}

static int op_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi) {
  (void)path;
  if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) return -EOPNOTSUPP;
  LOCK();
  int fd = H(fi)->fd;
  int e = fault_for(OPC_WRITE), res = 0;
  struct stat st;
  if (e)
    res = -e;
  else if (fstat(fd, &st) != 0)
    res = -errno;
  if (res == 0 && (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) && off < st.st_size)
    res = pc_before_zero(fd, off, off + len < st.st_size ? len : st.st_size - off);
  if (res == 0 && !(mode & FALLOC_FL_KEEP_SIZE) && off + len > st.st_size) res = pc_before_resize(fd, off + len);
  if (res == 0 && fallocate(fd, mode, off, len) != 0) res = -errno;
  UNLOCK();
  return res;
}

const struct fuse_operations faultfs_ops = {
    .getattr = op_getattr,
    .readlink = op_readlink,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .symlink = op_symlink,
    .rename = op_rename,
    .link = op_link,
    .chmod = op_chmod,
    .chown = op_chown,
    .truncate = op_truncate,
    .open = op_open,
    .read = op_read,
    .write = op_write,
    .statfs = op_statfs,
    .release = op_release,
    .fsync = op_fsync,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .releasedir = op_releasedir,
    .fsyncdir = op_fsyncdir,
    .init = op_init,
    .destroy = op_destroy,
    .create = op_create,
    .utimens = op_utimens,
    .fallocate = op_fallocate,
};
