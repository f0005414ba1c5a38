// The error for bad input in a history: what is wrong and where (file, line).
/** A bad input: what, where. Turned into a one-line error by the CLI (exit 3). */
export class HistoryError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'HistoryError';
  }
  /** "path:line: message" */
  oneLine(): string {
    const where = this.file ? (this.line !== undefined ? `${this.file}:${this.line}: ` : `${this.file}: `) : '';
    return `${where}${this.message}`;
  }
}
