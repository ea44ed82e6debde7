/**
 * A CouchDB database over HTTP: the protocol the CHT API exposes at `/medic`, so the worker's writes pass
 * through the CHT API (and its audit) like any other client's. Only the calls the worker needs.
 */
import type { AxiosInstance, AxiosResponse } from 'axios';
import { TransientError } from '../lib/errors';
import type { Doc, Seq } from '../types';
import { send, transientStatus } from './http';

export interface ChangeRow {
  readonly id: string;
  readonly seq: Seq;
  readonly deleted?: boolean;
  readonly doc?: Doc;
}

export interface ChangesPage {
  readonly results: readonly ChangeRow[];
  readonly lastSeq: Seq;
}

export interface ChangesRequest {
  readonly since: Seq;
  readonly limit: number;
}

/** `_design/x` and `_local/x` keep their slash: CouchDB routes on it. */
export function docPath(id: string): string {
  const prefix = /^(_design|_local)\//.exec(id)?.[0] ?? '';
  return prefix + encodeURIComponent(id.slice(prefix.length));
}

export class CouchDb {
  constructor(
    private readonly http: AxiosInstance,
    readonly name: string,
  ) {}

  private path(suffix = ''): string {
    return `/${encodeURIComponent(this.name)}${suffix}`;
  }

  private async request<T>(what: string, call: () => Promise<AxiosResponse<T>>): Promise<AxiosResponse<T>> {
    const response = await send('cht', call);
    const failure = transientStatus('cht', response);
    if (failure) {
      throw failure;
    }
    if (response.status === 401 || response.status === 403) {
      throw new TransientError(`cht_${what}_unauthorized`);
    }
    return response;
  }

  /** The database exists and these credentials may read it: 'ok', 'missing' or 'unauthorized'. */
  async access(): Promise<'ok' | 'missing' | 'unauthorized'> {
    const response = await send('cht', () => this.http.get(this.path()));
    if (response.status === 401 || response.status === 403) {
      return 'unauthorized';
    }
    if (response.status === 404) {
      return 'missing';
    }
    const failure = transientStatus('cht', response);
    if (failure || response.status !== 200) {
      throw failure ?? new TransientError(`cht_db_${response.status}`);
    }
    return 'ok';
  }

  /** Creates the database; false when it already existed. */
  async create(): Promise<boolean> {
    const response = await this.request('create_db', () => this.http.put(this.path()));
    if (response.status === 412) {
      return false;
    }
    if (response.status !== 201 && response.status !== 202) {
      throw new TransientError(`cht_create_db_${response.status}`);
    }
    return true;
  }

  async putSecurity(security: object): Promise<void> {
    const response = await this.request('security', () => this.http.put(this.path('/_security'), security));
    if (response.status !== 200) {
      throw new TransientError(`cht_security_${response.status}`);
    }
  }

  async get(id: string): Promise<Doc | undefined> {
    const response = await this.request('get', () => this.http.get<Doc>(this.path(`/${docPath(id)}`)));
    if (response.status === 404) {
      return undefined;
    }
    if (response.status !== 200) {
      throw new TransientError(`cht_get_${response.status}`);
    }
    return response.data;
  }

  /** Saves with the doc's `_rev`: the new rev, or 'conflict' when somebody saved another revision first. */
  async put(doc: Doc): Promise<{ rev: string } | 'conflict'> {
    const response = await this.request('put', () => this.http.put<{ rev: string }>(this.path(`/${docPath(doc._id)}`), doc));
    if (response.status === 409) {
      return 'conflict';
    }
    if (response.status !== 201 && response.status !== 202) {
      throw new TransientError(`cht_put_${response.status}`);
    }
    return { rev: response.data.rev };
  }

  /** The docs with these ids that exist (deleted ones are left out). */
  async getMany(ids: readonly string[]): Promise<Map<string, Doc>> {
    const found = new Map<string, Doc>();
    if (ids.length === 0) {
      return found;
    }
    const response = await this.request('all_docs', () =>
      this.http.post<{ rows: Array<{ key: string; doc?: Doc | null }> }>(this.path('/_all_docs'), { keys: ids }, { params: { include_docs: true } }),
    );
    if (response.status !== 200) {
      throw new TransientError(`cht_all_docs_${response.status}`);
    }
    for (const row of response.data.rows) {
      if (row.doc) {
        found.set(row.key, row.doc);
      }
    }
    return found;
  }

  /**
   * One page of `_all_docs` with the docs, in id order: the first `limit` after the id `after` (from the start
   * without one). `after` is the start key and dropped from the answer, so a page may hold `limit + 1` docs when
   * that doc was deleted meanwhile; a page of fewer than `limit` is the last.
   */
  async allDocs(request: { readonly after?: string; readonly limit: number }): Promise<Doc[]> {
    const { after, limit } = request;
    const response = await this.request('all_docs', () =>
      this.http.get<{ rows?: unknown }>(this.path('/_all_docs'), {
        params: { include_docs: true, limit: after === undefined ? limit : limit + 1, ...(after === undefined ? {} : { startkey: JSON.stringify(after) }) },
      }),
    );
    if (response.status !== 200 || !Array.isArray(response.data.rows)) {
      throw new TransientError(`cht_all_docs_${response.status}`);
    }
    return (response.data.rows as Array<{ id: string; doc?: Doc | null }>).flatMap((row) => (row.id !== after && row.doc ? [row.doc] : []));
  }

  /**
   * Saves many docs in one request; each result is a new rev, 'conflict', or another refusal of that doc alone
   * (a CHT validation, say) as a TransientError for the caller to retry it.
   */
  async bulkSave(docs: readonly Doc[]): Promise<Array<{ rev: string } | 'conflict' | TransientError>> {
    const response = await this.request('bulk_docs', () =>
      this.http.post<Array<{ rev?: string; error?: string }>>(this.path('/_bulk_docs'), { docs }),
    );
    if (response.status !== 201 || !Array.isArray(response.data)) {
      throw new TransientError(`cht_bulk_docs_${response.status}`);
    }
    return response.data.map((result) => {
      if (result.rev !== undefined) {
        return { rev: result.rev };
      }
      return result.error === 'conflict' ? 'conflict' : new TransientError(`cht_bulk_docs_${result.error ?? 'error'}`);
    });
  }

  /**
   * One page of the normal feed. Not longpoll or continuous: a page at a time is what a proxy in front of the
   * CHT API never cuts off, and express-pouchdb ignores `timeout` there and leaks a heartbeat timer per
   * abandoned request.
   */
  async changes(request: ChangesRequest): Promise<ChangesPage> {
    const response = await this.request('changes', () =>
      this.http.get<{ results?: unknown; last_seq?: Seq } | null>(this.path('/_changes'), {
        params: { include_docs: true, since: request.since, limit: request.limit },
      }),
    );
    const page = response.data;
    if (response.status !== 200 || !Array.isArray(page?.results) || page.last_seq === undefined) {
      throw new TransientError(`cht_changes_${response.status}`);
    }
    return { results: page.results as ChangeRow[], lastSeq: page.last_seq };
  }
}
