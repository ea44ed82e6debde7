/**
 * One holder per doc id at a time, in the order they asked. The feed keeps one change per doc in flight on its
 * own; these locks also cover the work a transition asks for on another doc (a referral refreshing its client,
 * a client releasing its referrals). No holder of a lock waits for the lock of a doc that may be waiting for
 * its own: a referral holds its lock while it refreshes its client, and a client releases its referrals only
 * after letting go of its own.
 */
export class DocLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async with<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(id);
    let unlock = (): void => undefined;
    const held = new Promise<void>((resolve) => (unlock = resolve));
    const tail = (previous ?? Promise.resolve()).then(() => held);
    this.tails.set(id, tail);
    await previous;
    try {
      return await task();
    } finally {
      unlock();
      if (this.tails.get(id) === tail) {
        this.tails.delete(id);
      }
    }
  }
}
