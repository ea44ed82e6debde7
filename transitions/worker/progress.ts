/**
 * The feed position that is safe to save: the seq of the last change such that it and every change before it
 * are settled. Changes finish out of order (C look-ups in flight, some waiting to be retried), and seqs are
 * opaque, so the order is the feed's own order of arrival, never arithmetic on seqs.
 */
import type { Seq } from '../types';

export interface Ticket {
  readonly seq: Seq;
  settled: boolean;
}

export class Progress {
  private readonly queue: Ticket[] = [];
  private head = 0;
  private unsettled = 0;

  constructor(private mark: Seq) {}

  /** Registers a change in feed order; settle the ticket when the change needs no more work. */
  track(seq: Seq): Ticket {
    const ticket: Ticket = { seq, settled: false };
    this.queue.push(ticket);
    this.unsettled += 1;
    return ticket;
  }

  settle(ticket: Ticket): void {
    if (!ticket.settled) {
      ticket.settled = true;
      this.unsettled -= 1;
    }
  }

  /** The feed moved on with nothing for us (an empty page still carries a newer last_seq). */
  skipTo(seq: Seq): void {
    this.settle(this.track(seq));
  }

  /** Changes tracked and not yet settled. */
  get open(): number {
    return this.unsettled;
  }

  /** Advances past settled changes and returns the safe position. */
  safeSeq(): Seq {
    while (this.head < this.queue.length && this.queue[this.head]?.settled) {
      this.mark = (this.queue[this.head] as Ticket).seq;
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return this.mark;
  }
}
