// Minimal types for the untyped packages behind the embedded CouchDB-protocol server.
declare module 'pouchdb' {
  interface PouchDatabase {
    close(): Promise<void>;
  }
  interface PouchConstructor {
    defaults(options: Record<string, unknown>): PouchConstructor;
    setMaxListeners(count: number): void;
    plugin(plugin: unknown): void;
    new (name: string): PouchDatabase;
  }
  const PouchDB: PouchConstructor;
  export = PouchDB;
}

declare module 'express-pouchdb' {
  import type { RequestHandler } from 'express';
  interface ExpressPouchDB extends RequestHandler {
    couchConfig: { set(section: string, key: string, value: string, callback: (error?: Error) => void): void };
    dbWrapper: { registerWrapper(wrapper: (name: string, db: { close(): Promise<void> }, next: () => void) => void): void };
  }
  function expressPouchDB(PouchDB: unknown, options: Record<string, unknown>): ExpressPouchDB;
  export = expressPouchDB;
}

declare module 'pouchdb-adapter-memory' {
  const plugin: unknown;
  export = plugin;
}
