/** At most `size` tasks at once: the cap on requests in flight against the HIE (CR look-ups and SHR POSTs). */
export class Slots {
  private free: number;
  private readonly waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private closedWith: Error | undefined;

  constructor(size: number) {
    this.free = size;
  }

  async use<T>(task: () => Promise<T>): Promise<T> {
    if (this.closedWith !== undefined) {
      throw this.closedWith;
    }
    if (this.free > 0) {
      this.free -= 1;
    } else {
      await new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) {
        next.resolve();
      } else {
        this.free += 1;
      }
    }
  }

  /** Admits no more tasks: those waiting and any later `use` reject with `error`; those running finish. */
  close(error: Error): void {
    this.closedWith = error;
    for (const { reject } of this.waiting.splice(0)) {
      reject(error);
    }
  }
}
