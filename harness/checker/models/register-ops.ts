// A register operation as the cas-register model and the unique-register decision both see it (in a file of
// its own, so that neither imports the other for it).
import type { Canon } from './values.js';

export type RegisterInput =
  | { f: 'read'; key?: Canon }
  | { f: 'write'; value: Canon; key?: Canon }
  | { f: 'cas'; from: Canon; to: Canon; key?: Canon };

/** The observed value of a read; `unknown` for operations whose outcome was never reported. */
export type RegisterOutput = { value: Canon } | { unknown: true } | Record<string, never>;
