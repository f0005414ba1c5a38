// The core's assertions. A broken invariant means this server (or the disk under it) can no longer keep Raft's
// promises, so the core stops at once and loudly, as etcd-raft panics: the error names the invariant and the
// values that broke it. Checks are O(1) comparisons on the paths they guard; the message is built only when one
// fails. The node treats the error as fatal (crash-stop, which Raft tolerates); the simulation lets it end the run.

export class InvariantError extends Error {
  constructor(
    readonly invariant: string,
    readonly values: Readonly<Record<string, unknown>>,
  ) {
    const shown = Object.entries(values).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    super(`raft invariant broken: ${invariant} (${shown.join(', ')})`);
    this.name = 'InvariantError';
  }
}

/** Throws the InvariantError for `invariant`, with the values that broke it. */
export function broken(invariant: string, values: Record<string, unknown>): never {
  throw new InvariantError(invariant, values);
}
