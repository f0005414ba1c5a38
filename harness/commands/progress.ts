// Progress output of the commands that start runs (run, test-all, rerun): on a terminal, a rewritten status line
// that shows the active faults; otherwise (CI logs) the status as a plain line every 10 s and every fault start,
// stop and heal as a line of its own when it happens, since a 10 s sample misses most faults. Messages that must
// be seen are lines in both.
import type { Progress } from '../run/run.js';

export interface Printer extends Progress {
  done: () => void;
}

/** The seconds between two status lines when stdout is not a terminal. */
const SAMPLE_EVERY_MS = 10_000;

export function progressPrinter(
  out: { isTTY?: boolean; write: (s: string) => unknown } = process.stdout,
  now: () => number = Date.now,
): Printer {
  const tty = out.isTTY === true;
  let last = -Infinity;
  let pending = false;
  const clear = (): void => {
    if (tty && pending) {
      out.write('\r\x1b[K');
      pending = false;
    }
  };
  return {
    line: (s) => {
      if (tty) {
        out.write(`\r\x1b[K${s}`);
        pending = true;
        return;
      }
      if (now() - last >= SAMPLE_EVERY_MS) {
        last = now();
        out.write(`${s}\n`);
      }
    },
    message: (s) => {
      clear();
      out.write(`${s}\n`);
    },
    // On a terminal the live line names the active faults; a line per transition would push it up the screen.
    fault: (s) => {
      if (!tty) out.write(`${s}\n`);
    },
    done: clear,
  };
}
