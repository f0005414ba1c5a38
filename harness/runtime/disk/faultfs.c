// faultfs: mounts the layer (faultfs.h says what it is) and runs until SIGTERM or unmount.
//
//   faultfs --backing DIR --control SOCKET [--dirs strict|journal] [--max-undo-mib N] [--max-dirty-files N]
//           [--max-dir-changes N] [--die-with-parent] MOUNTPOINT
//
// --die-with-parent (the harness passes it): when the process that started the layer dies, the layer unmounts
// and exits, as on SIGTERM, so a harness killed mid-run leaves no mount behind.
//
// The backing directory is opened before mounting, so it may be the mount point itself: the layer then sits
// over a program's data directory in place, and unmounting shows the backing directory again, as it is after
// the last drop plus everything since (a clean unmount makes everything durable). Mounted with allow_other (a
// container's processes reach it through a bind mount) and default_permissions (the kernel checks modes, as
// the backing filesystem would). The control socket exists once the mount is in place.
#include "faultfs.h" // first: it defines _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct faultfs G = {
    .root = -1,
    .trash = -1,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .max_undo_bytes = 256ULL << 20,
    .max_dirty = 4096,
    .max_ops = 1000000,
};

static void usage(const char *why) {
  fprintf(stderr,
          "faultfs: %s\nusage: faultfs --backing DIR --control SOCKET [--dirs strict|journal] [--max-undo-mib N] "
          "[--max-dirty-files N] [--max-dir-changes N] [--die-with-parent] MOUNTPOINT\n",
          why);
  exit(2);
}

static void on_interrupt(int sig) {
  (void)sig; // only there to cut a worker's sleep short (fuse_config intr, set in ops.c's init)
}

static uint64_t positive(const char *s, const char *what) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v == 0 || s[0] == '-') {
    fprintf(stderr, "faultfs: %s must be a positive integer, got \"%s\"\n", what, s);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"backing", required_argument, 0, 'b'},       {"control", required_argument, 0, 'c'},
      {"max-undo-mib", required_argument, 0, 'u'},  {"max-dirty-files", required_argument, 0, 'd'},
      {"max-dir-changes", required_argument, 0, 'j'}, {"dirs", required_argument, 0, 'm'},
      {"die-with-parent", no_argument, 0, 'p'},       {0, 0, 0, 0},
  };
  const char *backing = NULL, *control = NULL;
  bool die_with_parent = false;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'b':
      backing = optarg;
      break;
    case 'c':
      control = optarg;
      break;
    case 'u':
      G.max_undo_bytes = positive(optarg, "--max-undo-mib") << 20;
      break;
    case 'd':
      G.max_dirty = (unsigned)positive(optarg, "--max-dirty-files");
      break;
    case 'j':
      G.max_ops = (unsigned)positive(optarg, "--max-dir-changes");
      break;
    case 'p':
      die_with_parent = true;
      break;
    case 'm':
      if (strcmp(optarg, "strict") && strcmp(optarg, "journal")) usage("--dirs is strict or journal");
      G.journal = !strcmp(optarg, "journal");
      break;
    default:
      usage("unknown option");
    }
  }
  if (!backing || !control) usage("--backing and --control are required");
  if (optind != argc - 1) usage("one mount point is required");
  const char *mountpoint = argv[optind];

  if (!realpath(backing, G.backing_path)) {
    fprintf(stderr, "faultfs: backing directory %s: %s\n", backing, strerror(errno));
    return 1;
  }
  G.root = open(G.backing_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (G.root < 0) {
    fprintf(stderr, "faultfs: backing directory %s: %s\n", backing, strerror(errno));
    return 1;
  }
  int e = dl_init();
  if (e) {
    fprintf(stderr, "faultfs: cannot make %s/%s: %s\n", backing, TRASH_NAME, strerror(-e));
    return 1;
  }

  // libfuse interrupts a worker with SIGUSR1 when the kernel says its request was interrupted; it installs a
  // handler only when intr is a mount option, which fuse3 no longer parses, so we install it ourselves.
  struct sigaction sa = {.sa_handler = on_interrupt};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);

  struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
  if (fuse_opt_add_arg(&args, argv[0]) || fuse_opt_add_arg(&args, "-o") ||
      fuse_opt_add_arg(&args, "allow_other,default_permissions,fsname=faultfs,subtype=faultfs")) {
    fprintf(stderr, "faultfs: out of memory\n");
    return 1;
  }
  struct fuse *f = fuse_new(&args, &faultfs_ops, sizeof faultfs_ops, NULL);
  if (!f) {
    fprintf(stderr, "faultfs: fuse_new failed\n");
    return 1;
  }
  if (fuse_mount(f, mountpoint) != 0) {
    fprintf(stderr, "faultfs: cannot mount on %s (is /dev/fuse there, and are we root or is fusermount3 "
                    "installed?)\n",
            mountpoint);
    fuse_destroy(f);
    return 1;
  }
  // After the handlers below are in place, a parent's death is a SIGTERM; one already gone counts as dead.
  pid_t parent = getppid();
  if (fuse_set_signal_handlers(fuse_get_session(f)) != 0) {
    fprintf(stderr, "faultfs: cannot set signal handlers\n");
    fuse_unmount(f);
    fuse_destroy(f);
    return 1;
  }
  if (control_start(control) != 0) {
    fprintf(stderr, "faultfs: control socket %s: %s\n", control, strerror(errno));
    fuse_remove_signal_handlers(fuse_get_session(f));
    fuse_unmount(f);
    fuse_destroy(f);
    return 1;
  }
  if (die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)) raise(SIGTERM);
  log_msg("mounted %s over %s; control socket %s", G.backing_path, mountpoint, control);
  int r = fuse_loop_mt(f, 0);
  control_stop();
  fuse_remove_signal_handlers(fuse_get_session(f));
  fuse_unmount(f);
  fuse_destroy(f);
  fuse_opt_free_args(&args);
  unlinkat(G.root, TRASH_NAME, AT_REMOVEDIR); // empty after a clean unmount: leave the directory as it was
  log_msg("unmounted %s", mountpoint);
  return r == 0 ? 0 : 1;
}
