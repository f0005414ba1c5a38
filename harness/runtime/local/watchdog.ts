// The local runtime's watchdog: a tiny detached process, one per run, that outlives the harness. Every
// POLL_MS it checks that the harness that registered the run (registry.ts) is still alive; when it is gone —
// killed with SIGKILL, crashed, or the machine's OOM killer took it — it SIGKILLs the run's node processes
// (each verified by its command line), removes the run's record and exits. When the harness tears down
// normally it removes the record itself, and the watchdog just exits. Usage: node watchdog.js <record.json>
import { existsSync } from 'node:fs';
import { harnessAlive, killNodes, readRecord, removeRecord } from './registry.js';

const POLL_MS = 200;
const path = process.argv[2];
const record = path ? readRecord(path) : undefined;
if (!path || !record) process.exit(0);

const timer = setInterval(() => {
  if (!existsSync(path)) {
    clearInterval(timer);
    return; // the run ended normally
  }
  if (harnessAlive(record)) return;
  // Nodes restart under the same record (the nemesis kills and starts them): read the pid files each time.
  killNodes(record);
  removeRecord(path);
  clearInterval(timer);
}, POLL_MS);
