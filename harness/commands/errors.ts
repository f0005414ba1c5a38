// Bad input gets one line on stderr and exit 3, whatever threw it.
import { HistoryError } from '../history/op.js';

export const EXIT_BAD_INPUT = 3;

export function oneLine(err: unknown): string {
  if (err instanceof HistoryError) return err.oneLine();
  if (err instanceof Error) return err.message.split('\n')[0];
  return String(err).split('\n')[0];
}

export function fail(err: unknown): never {
  process.stderr.write(`faultline: ${oneLine(err)}\n`);
  process.exit(EXIT_BAD_INPUT);
}
