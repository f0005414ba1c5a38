// A setting written to a slow place where only the latest value matters: a node's clock offset put into its
// container through the engine takes from milliseconds to seconds (measured up to ~2 s per putArchive on this
// loaded machine), while clock:strobe asks for a new one every 200 ms. Writes one at a time, in order, and
// skips values a newer one has overtaken, so pending work is bounded by one write whatever the asking rate;
// every caller resolves once its value, or a newer one, is written.
export class LatestWrite<T> {
  private want?: { value: T };
  private written?: { value: T };
  private writer?: Promise<void>;

  constructor(private readonly write: (value: T) => Promise<void>) {}

  set(value: T): Promise<void> {
    this.want = { value };
    if (!this.writer) {
      // The loop's last check and the reset of `writer` run with no await between them, so a set() arriving
      // after it starts a new writer rather than being missed.
      this.writer = (async () => {
        try {
          while (this.want !== this.written) {
            const next = this.want!;
            await this.write(next.value);
            this.written = next;
          }
        } finally {
          this.writer = undefined;
        }
      })();
    }
    return this.writer;
  }
}
