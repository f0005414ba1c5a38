// Two candidate orders raced on one partition. How long the search takes depends on the order in which it tries
// candidates, and heavily so: on Porcupine's corpus, trying the most urgent operation first (search.ts) is
// several times faster on most partitions and several times slower on a few. So a partition starts with the
// urgent-first search alone; if it is still running after PORTFOLIO_AFTER steps, a second search in plain list
// order (Porcupine's) joins it, the two advance in alternating slices, and the first to finish decides. Each is
// a complete search on its own, so either's verdict is the partition's; the cost is at most twice the better
// one's (plus the head start), instead of the worse one's.
import type { CacheBudget } from './cache.js';
import { PartitionSearch, type SearchState } from './search.js';
import type { Model, Operation } from './types.js';

/** Steps the urgent-first search gets alone before the plain-order search joins it. */
export const PORTFOLIO_AFTER = 1 << 15;

export class PortfolioSearch<S, I, O> {
  private readonly searches: PartitionSearch<S, I, O>[];
  private winner: PartitionSearch<S, I, O> | undefined;

  constructor(
    private readonly model: Model<S, I, O>,
    readonly ops: readonly Operation<I, O>[],
    private readonly computeInfo: boolean,
    private readonly budget: CacheBudget,
  ) {
    this.searches = [new PartitionSearch(model, ops, computeInfo, budget, true)];
    if (this.searches[0].status !== 'running') this.winner = this.searches[0];
  }

  get status(): SearchState {
    return this.winner ? this.winner.status : 'running';
  }
  get steps(): number {
    return this.searches.reduce((a, s) => a + s.steps, 0);
  }
  get deepest(): number {
    return Math.max(...this.searches.map((s) => s.deepest));
  }
  /** The finished search (or the first one): its longest prefixes and offending ops are the partition's. */
  get result(): PartitionSearch<S, I, O> {
    return this.winner ?? this.searches[0];
  }

  run(budget: number): SearchState {
    if (this.winner) return this.winner.status;
    if (this.searches.length === 1 && this.searches[0].steps >= PORTFOLIO_AFTER) {
      this.searches.push(new PartitionSearch(this.model, this.ops, this.computeInfo, this.budget, false));
    }
    const share = Math.max(1, Math.floor(budget / this.searches.length));
    for (const s of this.searches) {
      if (s.run(share) !== 'running') {
        this.winner = s;
        this.release();
        return s.status;
      }
    }
    return 'running';
  }

  release(): void {
    for (const s of this.searches) s.release();
  }
}
