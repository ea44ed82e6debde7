/**
 * Gathers the writes that are ready at the same moment into one request: each `push` resolves with its own
 * item's result once the batch it went out in is saved. Items pushed in the same turn of the event loop go
 * together (up to `maxBatch`), so a burst of answers costs one `_bulk_docs` and a lone answer waits for nothing.
 */
export class Batcher<T, R> {
  private queue: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly flush: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly maxBatch: number,
  ) {}

  push(item: T): Promise<R> {
    const result = new Promise<R>((resolve, reject) => this.queue.push({ item, resolve, reject }));
    if (this.queue.length >= this.maxBatch) {
      this.send();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.send();
      });
    }
    return result;
  }

  private send(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) {
      return;
    }
    this.flush(batch.map((entry) => entry.item)).then(
      (results) => batch.forEach((entry, i) => entry.resolve(results[i] as R)),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  }
}
