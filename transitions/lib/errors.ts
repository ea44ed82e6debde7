/**
 * Failures that say nothing about the doc: the HIE or CHT was down, slow, throttling or refusing our
 * credentials. Nothing is written for them and the change is tried again with backoff. `reason` is a short
 * code safe to log; `retryAfterMs` carries an HTTP Retry-After.
 */
export class TransientError extends Error {
  constructor(
    readonly reason: string,
    readonly retryAfterMs?: number,
  ) {
    super(reason);
    this.name = 'TransientError';
  }
}

/** A setting is missing or malformed: the CLI prints the message as one line and exits 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A short code for any error, for logs that must never carry client details or tokens. */
export function reasonOf(error: unknown): string {
  if (error instanceof TransientError) {
    return error.reason;
  }
  if (error instanceof Error) {
    // Node's system errors carry a code (EADDRINUSE, ECONNREFUSED) that says more than the class name.
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name} ${code}` : error.name;
  }
  return 'unknown_error';
}
