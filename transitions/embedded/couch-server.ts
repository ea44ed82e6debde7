/**
 * The embedded default: a CouchDB-protocol server (express-pouchdb 4.2 on PouchDB 9, leveldb, or memory for the
 * benchmark) on loopback, for the demo and the tests. Apache CouchDB cannot be installed on these machines; this speaks the same
 * HTTP protocol the CHT API exposes. One quirk is handled here: a non-admin PUT or DELETE of a database makes
 * express-pouchdb crash, so those are refused first with CouchDB's own 401.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import expressPouchDB from 'express-pouchdb';
import PouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';

PouchDB.plugin(memoryAdapter);

export interface CouchOptions {
  /** Where leveldb keeps the databases: the same folder again after a restart finds the same data. */
  readonly dataDir: string;
  readonly admin: { readonly username: string; readonly password: string };
  readonly port?: number;
  /**
   * Keep the databases in memory instead of leveldb: about twice as fast, gone when the server stops. For the
   * benchmark, so that the embedded server weighs less against the worker than a real CouchDB would not.
   */
  readonly inMemory?: boolean;
}

export interface RunningCouch {
  /** The server URL with the admin's credentials, as CHT_URL takes it. */
  readonly url: string;
  close(): Promise<void>;
}

function isAdmin(req: Request, admin: CouchOptions['admin']): boolean {
  const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
  return scheme === 'Basic' && Buffer.from(encoded ?? '', 'base64').toString('utf8') === `${admin.username}:${admin.password}`;
}

export async function startCouch(options: CouchOptions): Promise<RunningCouch> {
  mkdirSync(options.dataDir, { recursive: true });
  const Pouch = PouchDB.defaults(options.inMemory ? { adapter: 'memory' } : { prefix: `${options.dataDir}${path.sep}` });
  // PouchDB's classes share one event emitter and express-pouchdb adds listeners to it per server: more than
  // ten servers in one process (the tests) are expected, not a leak to warn about.
  Pouch.setMaxListeners(0);
  const couch = expressPouchDB(Pouch, {
    mode: 'fullCouchDB',
    inMemoryConfig: true,
    logPath: path.join(options.dataDir, 'express-pouchdb.log'),
  });
  const opened = new Set<{ close(): Promise<void> }>();
  couch.dbWrapper.registerWrapper((_name, db, next) => {
    opened.add(db);
    next();
  });
  await new Promise<void>((resolve, reject) =>
    couch.couchConfig.set('admins', options.admin.username, options.admin.password, (error) => (error ? reject(error) : resolve())),
  );

  const app = express();
  app.use('/:db', (req: Request, res: Response, next: NextFunction) => {
    const wholeDb = req.path === '/' || req.path === '';
    if (wholeDb && (req.method === 'PUT' || req.method === 'DELETE') && !isAdmin(req, options.admin)) {
      res.status(401).json({ error: 'unauthorized', reason: 'You are not a server admin.' });
      return;
    }
    next();
  });
  app.use(couch);

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port ?? 0, '127.0.0.1', () => resolve(listening)).on('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const credentials = `${encodeURIComponent(options.admin.username)}:${encodeURIComponent(options.admin.password)}`;
  return {
    url: `http://${credentials}@127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...opened].map((db) => db.close()));
    },
  };
}
