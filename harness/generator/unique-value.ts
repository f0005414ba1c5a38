// Written values that are unique per key, so that register histories are decided without search
// (harness/checker/unique/unique-register.ts). A value is a pure function of the worker slot and its operation
// count, so that a worker's schedule still depends only on the seed (harness/generator): the Cantor pairing of
// the two, which is injective on non-negative integers and stays small (worker 50, count 20,000: about 2·10^8).

export function uniqueValue(worker: number, count: number): number {
  const s = worker + count;
  return (s * (s + 1)) / 2 + count;
}

/**
 * What a cas expects: the value this worker's previous operation would have written (so a cas succeeds when no
 * one else wrote in between), or null, the initial value, for a worker's first operation on a key.
 */
export function expectedValue(worker: number, count: number, firstOnKey: boolean): number | null {
  return firstOnKey ? null : uniqueValue(worker, count - 1);
}
