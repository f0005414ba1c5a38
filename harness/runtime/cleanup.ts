// A small process-wide registry of cleanups (containers, networks, temp folders, child processes) that must run
// when the harness ends for any reason: normal exit, Ctrl-C (SIGINT), SIGTERM, SIGHUP (the terminal went away),
// and an error nobody caught (uncaughtException, unhandledRejection). Each registrant gives an async cleanup
// (run on signals and errors) and optionally a synchronous one for the 'exit' event, where
// nothing asynchronous can run any more. Handlers are installed on first use; a second Ctrl-C exits at once.
// An uncaught error or SIGHUP tears down and exits 3 ("the run itself failed"), never 1, which means "invalid".
// (SIGKILL cannot be caught: docker/reaper.ts and local/watchdog.ts cover that case.)

export type AsyncCleanup = () => Promise<void> | void;
export type SyncCleanup = () => void;

interface Entry {
  name: string;
  run: AsyncCleanup;
  sync?: SyncCleanup;
}

const entries = new Map<number, Entry>();
let nextId = 1;
let installed = false;
let signalled = false;

async function runAll(): Promise<void> {
  const list = [...entries.entries()].reverse();
  entries.clear();
  await Promise.all(
    list.map(async ([, e]) => {
      try {
        await e.run();
      } catch (err) {
        process.stderr.write(`cleanup ${e.name} failed: ${(err as Error).message}\n`);
      }
    }),
  );
}

function onSignal(sig: NodeJS.Signals): void {
  const owner = takeSignalOwner();
  if (owner) {
    owner();
    return;
  }
  if (signalled) {
    process.stderr.write(`second ${sig}: exiting without finishing cleanup\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  }
  signalled = true;
  if (entries.size > 0)
    process.stderr.write(`${sig}: cleaning up (${[...entries.values()].map((e) => e.name).join(', ')})\n`);
  void runAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
}

function onExit(): void {
  for (const e of [...entries.values()].reverse()) {
    try {
      e.sync?.();
    } catch {
      /* best effort at exit */
    }
  }
  entries.clear();
}

/** Exit code for a run that failed (an error, or SIGHUP): the harness's "error" code, not a verdict. */
export const EXIT_ERROR = 3;
/** How long a teardown after a fatal error may take before the process exits anyway. */
const FATAL_TEARDOWN_MS = 30_000;
let dying = false;

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n').find((l) => l.trim() !== '') ?? 'unknown error').replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    '?',
  );
}

/** Tears everything down and exits 3: the path of SIGHUP and of errors that no code caught. */
function onFatal(what: string, err?: unknown): void {
  if (dying) {
    process.stderr.write(
      `faultline: ${what} during teardown${err !== undefined ? `: ${firstLine(err)}` : ''}; exiting\n`,
    );
    process.exit(EXIT_ERROR);
  }
  dying = true;
  process.stderr.write(
    `faultline: ${what}${err !== undefined ? `: ${firstLine(err)}` : ''}` +
      `${entries.size ? `; cleaning up (${[...entries.values()].map((e) => e.name).join(', ')})` : ''}\n`,
  );
  setTimeout(() => process.exit(EXIT_ERROR), FATAL_TEARDOWN_MS);
  void runAll().finally(() => process.exit(EXIT_ERROR));
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', () => onFatal('SIGHUP (the terminal went away)'));
  process.on('exit', onExit);
}

/**
 * Makes an error nobody caught end the process like any other failure: one line on stderr, every registered
 * cleanup run, exit 3. The CLI installs this first thing; without it Node prints a stack trace and exits 1.
 */
export function installFatalHandlers(): void {
  install();
  if (process.listenerCount('uncaughtException') > 0) return;
  process.on('uncaughtException', (err) => onFatal('internal error', err));
  process.on('unhandledRejection', (reason) => onFatal('internal error (unhandled rejection)', reason));
}

/** Registers a cleanup; returns a function that unregisters it (call it once the resource is gone). */
export function onCleanup(name: string, run: AsyncCleanup, sync?: SyncCleanup): () => void {
  install();
  const id = nextId++;
  entries.set(id, { name, run, sync });
  return () => {
    entries.delete(id);
  };
}

let signalOwner: (() => void) | undefined;

/**
 * Lets a long-running command (faultline run) own the first SIGINT/SIGTERM: it stops its work gracefully and
 * still runs its own cleanups; a second signal falls back to "clean up everything and exit".
 */
export function setSignalOwner(owner: () => void): void {
  signalOwner = owner;
  install();
}

export function takeSignalOwner(): (() => void) | undefined {
  const o = signalOwner;
  signalOwner = undefined;
  return o;
}
