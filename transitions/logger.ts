/**
 * Structured JSON logs on stderr (stdout is for tables and reports). Log doc ids and reason codes only: never
 * names, ID numbers, phone numbers, dates of birth or tokens. The redaction below is a second line of defence.
 */
import pino, { type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const NEVER_LOGGED = [
  'name', 'first_name', 'middle_name', 'last_name', 'phone', 'date_of_birth', 'identification_number',
  'token', 'authorization', 'password', 'headers', 'config',
];

export function createLogger(level: LogLevel): Logger {
  return pino(
    {
      level,
      base: { service: 'echis-hie' },
      redact: { paths: NEVER_LOGGED.flatMap((key) => [key, `*.${key}`]), censor: '[redacted]' },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}
