// The layer's control socket from the harness's side: one command line out, one JSON line back (control.c
// lists the commands). A connection per command: commands are rare (a fault starting or ending), and a layer
// serves one connection at a time, so none is held open.
import { createConnection } from 'node:net';

/** Longest answer accepted (a drop report lists at most 100 files). */
const MAX_ANSWER_BYTES = 1 << 20;

export type Answer = { ok: true } & Record<string, unknown>;

/** The layer refused a command (`busy`: files are still open on the mount). */
export class FaultFsRefused extends Error {
  constructor(
    message: string,
    readonly busy: boolean,
  ) {
    super(message);
    this.name = 'FaultFsRefused';
  }
}

/** Sends `line` and resolves with the answer; rejects with FaultFsRefused when the layer says no. */
export function command(socket: string, line: string, timeoutMs = 10_000): Promise<Answer> {
  if (line.includes('\n')) return Promise.reject(new Error('faultfs: a command is one line'));
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    let text = '';
    const done = (err: Error | undefined, a?: Answer): void => {
      clearTimeout(timer);
      conn.destroy();
      if (err) reject(err);
      else resolve(a!);
    };
    const timer = setTimeout(
      () => done(new Error(`faultfs: no answer to "${line}" within ${timeoutMs} ms (${socket})`)),
      timeoutMs,
    );
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${line}\n`));
    conn.on('error', (e) => done(new Error(`faultfs: control socket ${socket}: ${e.message}`)));
    conn.on('close', () => done(new Error(`faultfs: the layer closed the control socket before answering "${line}"`)));
    conn.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > MAX_ANSWER_BYTES) return done(new Error('faultfs: answer too long'));
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      let a: Record<string, unknown>;
      try {
        a = JSON.parse(text.slice(0, nl)) as Record<string, unknown>;
      } catch {
        return done(new Error(`faultfs: unreadable answer to "${line}": ${text.slice(0, 200)}`));
      }
      if (a.ok !== true) return done(new FaultFsRefused(`faultfs: ${String(a.error)}`, a.busy === true));
      done(undefined, a as Answer);
    });
  });
}
