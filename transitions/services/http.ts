/**
 * One way to make HTTP clients for the CHT database and the HIE: keep-alive connections, a timeout on every
 * request, statuses left to the caller, and failures turned into short codes that are safe to log (an axios
 * error carries the URL and headers, so it is never logged or rethrown as is).
 */
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { TransientError } from '../lib/errors';

export interface HttpOptions {
  readonly baseURL: string;
  readonly timeoutMs: number;
  readonly auth?: { readonly username: string; readonly password: string };
  /** Only for a test HIE with a self-signed certificate; off unless a setting says so. */
  readonly insecureTls?: boolean;
}

export function createHttp(options: HttpOptions): AxiosInstance {
  return axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    ...(options.auth ? { auth: { ...options.auth } } : {}),
    validateStatus: () => true,
    maxRedirects: 0,
    httpAgent: new http.Agent({ keepAlive: true }),
    httpsAgent: new https.Agent({ keepAlive: true, rejectUnauthorized: options.insecureTls !== true }),
  });
}

/** Sends a request; a network failure or timeout becomes a TransientError named after `service`. */
export async function send<T>(service: string, request: () => Promise<AxiosResponse<T>>): Promise<AxiosResponse<T>> {
  try {
    return await request();
  } catch (error) {
    if (axios.isCancel(error)) {
      throw new TransientError(`${service}_cancelled`);
    }
    const code = axios.isAxiosError(error) ? error.code : undefined;
    const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
    throw new TransientError(timedOut ? `${service}_timeout` : `${service}_unreachable`);
  }
}

/** 429 and 5xx are the server's trouble, not the request's: try again later, when it says so if it says so. */
export function transientStatus(service: string, response: AxiosResponse): TransientError | undefined {
  if (response.status === 429) {
    return new TransientError(`${service}_rate_limited`, retryAfterMs(response.headers['retry-after']));
  }
  if (response.status >= 500) {
    return new TransientError(`${service}_http_${response.status}`, retryAfterMs(response.headers['retry-after']));
  }
  return undefined;
}

export function retryAfterMs(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') {
    return undefined;
  }
  const seconds = Number(header);
  if (Number.isFinite(seconds)) {
    return Math.max(0, seconds * 1000);
  }
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** `http://user:pass@host/path` -> the URL without credentials (safe to print) and the credentials. */
export function splitCredentials(url: string): { url: string; auth?: { username: string; password: string } } {
  const parsed = new URL(url);
  const auth = parsed.username
    ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) }
    : undefined;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString().replace(/\/+$/, ''), ...(auth ? { auth } : {}) };
}
