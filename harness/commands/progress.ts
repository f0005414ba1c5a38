// Progress output of the commands that start runs: a rewritten status line on a terminal, a plain line every
// 10 s otherwise (CI logs), and messages that must be seen.
export interface Printer {
  line: (s: string) => void;
  message: (s: string) => void;
  done: () => void;
}

export function progressPrinter(): Printer {
  const tty = process.stdout.isTTY;
  let last = 0;
  let pending = false;
  return {
    line: (s) => {
      if (tty) {
        process.stdout.write(`\r\x1b[K${s}`);
        pending = true;
        return;
      }
      if (Date.now() - last >= 10_000) {
        last = Date.now();
        process.stdout.write(`${s}\n`);
      }
    },
    message: (s) => {
      if (tty && pending) {
        process.stdout.write('\r\x1b[K');
        pending = false;
      }
      process.stdout.write(`${s}\n`);
    },
    done: () => {
      if (tty && pending) {
        process.stdout.write('\r\x1b[K');
        pending = false;
      }
    },
  };
}
