/**
 * How long to wait before trying a change again: exponential from `baseMs`, capped at `maxMs`, with jitter
 * (between half and all of it) so that thousands of clients failed by one HIE outage do not all come back in the same second.
 * A server's Retry-After is a floor, but never above `maxMs`: a server asking for days is not obeyed.
 */
export interface BackoffSettings {
  readonly baseMs: number;
  readonly maxMs: number;
}

export function backoffMs(attempt: number, settings: BackoffSettings, retryAfterMs = 0, random: () => number = Math.random): number {
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.min(settings.maxMs, Math.max(retryAfterMs, Math.round(ceiling / 2 + (random() * ceiling) / 2)));
}
