// A small process-wide registry of cleanups (containers, networks, temp folders, child processes) that must run
// when the harness ends for any reason: normal exit, Ctrl-C (SIGINT), SIGTERM. Each registrant gives an async
// cleanup (run on signals and by runCleanups()) and optionally a synchronous one for the 'exit' event, where
// nothing asynchronous can run any more. Handlers are installed on first use; a second Ctrl-C exits at once.

export type AsyncCleanup = () => Promise<void> | void;
export type SyncCleanup = () => void;

interface Entry { name: string; run: AsyncCleanup; sync?: SyncCleanup }

const entries = new Map<number, Entry>();
let nextId = 1;
let installed = false;
let signalled = false;

async function runAll(): Promise<void> {
  const list = [...entries.entries()].reverse();
  entries.clear();
  await Promise.all(list.map(async ([, e]) => {
    try {
      await e.run();
    } catch (err) {
      process.stderr.write(`cleanup ${e.name} failed: ${(err as Error).message}\n`);
    }
  }));
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
  if (entries.size > 0) process.stderr.write(`${sig}: cleaning up (${[...entries.values()].map((e) => e.name).join(', ')})\n`);
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

function install(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
}

/** Registers a cleanup; returns a function that unregisters it (call it once the resource is gone). */
export function onCleanup(name: string, run: AsyncCleanup, sync?: SyncCleanup): () => void {
  install();
  const id = nextId++;
  entries.set(id, { name, run, sync });
  return () => { entries.delete(id); };
}

/** Runs (and unregisters) every registered cleanup now. */
export function runCleanups(): Promise<void> {
  return runAll();
}

/** How many cleanups are pending (for tests). */
export function pendingCleanups(): string[] {
  return [...entries.values()].map((e) => e.name);
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
