// The model for directory entries: a create, unlink or rename happens in the backing directory at once but is
// durable only after fsync of the directory that holds the new entry (for an unlink, the one that held the old),
// the guarantee POSIX and ext4 give (ext4 often makes it durable sooner, with its next journal commit; a
// program must not count on that, and here it cannot). A file's own fsync makes its data durable, never its
// name: a new file whose directory was never synced is gone after the crash, fsynced data and all.
//
// Each change not yet durable is a journal entry holding how to undo it. What an unlink or a replacing rename
// removes goes into a hidden trash folder at the backing root (TRASH_NAME, invisible through the mount) until
// the change is durable, so the undo can bring it back. The crash undoes the journal newest first. A change
// made durable by its directory's fsync can leave an older change in another directory with nothing to undo
// (a file created in a, renamed to b, b synced, a not): each undo checks that the entry it would restore or
// remove is still the one it recorded (by inode), and otherwise is skipped and counted in the report.
//
// A rename is durable with its destination directory, both halves at once (ext4 journals it as one change).
// With --dirs journal, any successful fsync commits every change so far instead: what ext4 does in practice,
// for programs that rely on it (a finding under the strict default that this mode clears is such a reliance).
// Directories are recognised by inode, so renaming a directory does not lose track of what awaits its fsync.
#include "faultfs.h" // first: it defines _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum kind { DL_CREATE, DL_UNLINK, DL_RENAME };

struct dirop {
  enum kind kind;
  ino_t dir;   // the directory whose fsync makes this change durable
  ino_t ino;   // the entry's inode
  char *path;  // created or unlinked entry; the rename's source
  char *to;    // the rename's destination
  char *trash; // name in the trash of what an unlink or a replacing rename removed
  struct dirop *prev, *next;
};

void remove_tree(int dirfd, const char *name) {
  if (unlinkat(dirfd, name, 0) == 0 || (errno != EISDIR && errno != EPERM)) return;
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) remove_tree(fd, e->d_name);
  closedir(d);
  unlinkat(dirfd, name, AT_REMOVEDIR);
}

static ino_t parent_ino(const char *relpath) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", relpath);
  char *slash = strrchr(buf, '/');
  const char *parent = ".";
  if (slash) {
    *slash = 0;
    parent = buf;
  }
  struct stat st;
  return fstatat(G.root, parent, &st, 0) == 0 ? st.st_ino : 0;
}

static bool dir_empty(const char *relpath) {
  int fd = openat(G.root, relpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return false;
  }
  bool empty = true;
  struct dirent *e;
  while (empty && (e = readdir(d))) empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
  closedir(d);
  return empty;
}

static void forget(struct dirop *op) {
  if (op->prev)
    op->prev->next = op->next;
  else
    G.ops_head = op->next;
  if (op->next)
    op->next->prev = op->prev;
  else
    G.ops_tail = op->prev;
  G.nops--;
  free(op->path);
  free(op->to);
  free(op->trash);
  free(op);
}

/** The change is durable: what it removed is gone for good. */
static void commit(struct dirop *op) {
  if (op->trash) remove_tree(G.trash, op->trash);
  forget(op);
}

static void append(enum kind kind, ino_t dir, ino_t ino, const char *path, const char *to, const char *trash) {
  struct dirop *op = calloc(1, sizeof *op);
  if (!op) {
    log_msg("out of memory: a directory change is durable at once");
    if (trash) remove_tree(G.trash, trash);
    return;
  }
  op->kind = kind;
  op->dir = dir;
  op->ino = ino;
  op->path = strdup(path);
  op->to = to ? strdup(to) : NULL;
  op->trash = trash ? strdup(trash) : NULL;
  op->prev = G.ops_tail;
  if (G.ops_tail)
    G.ops_tail->next = op;
  else
    G.ops_head = op;
  G.ops_tail = op;
  G.nops++;
  // Bounded like the page cache: beyond max_ops the oldest change becomes durable, as a journal commit would.
  while (G.nops > G.max_ops) {
    G.stats.dir_commits_forced++;
    commit(G.ops_head);
  }
}

/** Empties the trash. */
static void empty_trash(void) {
  DIR *d = fdopendir(dup(G.trash));
  if (!d) return;
  rewinddir(d); // the duplicate shares the descriptor's position with G.trash, left at the end by the last call
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) remove_tree(G.trash, e->d_name);
  closedir(d);
}

int dl_init(void) {
  if (mkdirat(G.root, TRASH_NAME, 0700) != 0 && errno != EEXIST) return -errno;
  G.trash = openat(G.root, TRASH_NAME, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (G.trash < 0) return -errno;
  // Left by a layer that ended without unmounting: nothing was dropped then, so those removals stand.
  empty_trash();
  return 0;
}

void dl_created(const char *relpath, ino_t ino, bool is_dir) {
  (void)is_dir;
  append(DL_CREATE, parent_ino(relpath), ino, relpath, NULL, NULL);
}

static void trash_name(char *buf, size_t size) {
  snprintf(buf, size, "t%llu", (unsigned long long)++G.trash_seq);
}

int dl_unlink(const char *relpath, bool is_dir) {
  struct stat st;
  if (fstatat(G.root, relpath, &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  if (is_dir && !S_ISDIR(st.st_mode)) return -ENOTDIR;
  if (!is_dir && S_ISDIR(st.st_mode)) return -EISDIR;
  if (is_dir && !dir_empty(relpath)) return -ENOTEMPTY;
  ino_t dir = parent_ino(relpath);
  char t[32];
  trash_name(t, sizeof t);
  if (renameat(G.root, relpath, G.trash, t) != 0) return -errno;
  append(DL_UNLINK, dir, st.st_ino, relpath, NULL, t);
  return 0;
}

int dl_rename(const char *from, const char *to) {
  struct stat sf, st;
  if (fstatat(G.root, from, &sf, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  bool replace = fstatat(G.root, to, &st, AT_SYMLINK_NOFOLLOW) == 0;
  char t[32] = "";
  if (replace) {
    if (sf.st_ino == st.st_ino) return 0; // two links to one file: rename does nothing (POSIX)
    if (S_ISDIR(sf.st_mode) && !S_ISDIR(st.st_mode)) return -ENOTDIR;
    if (!S_ISDIR(sf.st_mode) && S_ISDIR(st.st_mode)) return -EISDIR;
    if (S_ISDIR(st.st_mode) && !dir_empty(to)) return -ENOTEMPTY;
    trash_name(t, sizeof t);
    if (renameat(G.root, to, G.trash, t) != 0) return -errno;
  }
  if (renameat(G.root, from, G.root, to) != 0) {
    int e = errno;
    if (replace && renameat(G.trash, t, G.root, to) != 0) log_msg("rename: cannot put back %s: %m", to);
    return -e;
  }
  append(DL_RENAME, parent_ino(to), sf.st_ino, from, to, replace ? t : NULL);
  return 0;
}

void dl_dir_synced(ino_t dir) {
  for (struct dirop *op = G.ops_head, *next; op; op = next) {
    next = op->next;
    if (op->dir == dir || G.journal) commit(op);
  }
}

void dl_file_synced(void) {
  if (G.journal) dl_forget_all();
}

static bool is_ino(int dirfd, const char *name, ino_t ino, struct stat *st) {
  return fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 && st->st_ino == ino;
}

static bool absent(int dirfd, const char *name) {
  struct stat st;
  return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT;
}

void dl_drop(struct report *rep) {
  while (G.ops_tail) {
    struct dirop *op = G.ops_tail;
    struct stat st;
    bool done = false;
    switch (op->kind) {
    case DL_CREATE:
      if (is_ino(G.root, op->path, op->ino, &st)) {
        uint64_t bytes = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
        remove_tree(G.root, op->path);
        report_file(rep, op->path, bytes, "removed", NULL);
        rep->bytes += bytes;
        done = true;
      }
      break;
    case DL_UNLINK:
      if (absent(G.root, op->path) && renameat(G.trash, op->trash, G.root, op->path) == 0) {
        report_file(rep, op->path, 0, "restored", NULL);
        done = true;
      }
      break;
    case DL_RENAME:
      if (is_ino(G.root, op->to, op->ino, &st) && absent(G.root, op->path) &&
          renameat(G.root, op->to, G.root, op->path) == 0) {
        if (op->trash && renameat(G.trash, op->trash, G.root, op->to) != 0)
          log_msg("drop: cannot restore %s: %m", op->to);
        report_file(rep, op->to, 0, "renamed", op->path);
        done = true;
      }
      break;
    }
    if (done)
      rep->entries++;
    else
      rep->skipped++;
    forget(op);
  }
  empty_trash(); // what stayed there belonged to changes whose undo no longer applied
}

void dl_forget_all(void) {
  while (G.ops_head) commit(G.ops_head);
}
