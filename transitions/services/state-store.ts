/**
 * The worker's durable state, in a database of its own next to `medic` (as Sentinel keeps its
 * `<id>-info` docs and `_local/transitions-seq` in `medic-sentinel`): the feed checkpoint, and per doc what each
 * transition answered for which inputs. Info docs are plain docs so a batch of them is read in one request.
 */
import { isDeepStrictEqual } from 'node:util';
import { emptyInfo, infoId } from '../lib/records';
import { ConfigError, TransientError } from '../lib/errors';
import type { Doc, Info, Seq } from '../types';
import type { CouchDb } from './couch';

const CHECKPOINT_ID = '_local/echis-hie-seq';
/** When the last re-try sweep finished (see `Worker.sweep`). */
const SWEEP_ID = '_local/echis-hie-sweep';
/** Only server admins may read the state db the worker creates (CouchDB 3's default; PouchDB needs telling). */
const ADMINS_ONLY = { admins: { names: [], roles: [] }, members: { names: [], roles: ['_admin'] } };

export class StateStore {
  private checkpointRev: string | undefined;

  /** `source` names the CHT database this state is for: one state db never serves two feeds. */
  constructor(
    private readonly db: CouchDb,
    private readonly source: string,
  ) {}

  /**
   * Checks that the worker may use its state db, and creates it when it is missing. Creating it needs a server
   * admin; without one, an admin creates it once and makes the worker's user a member.
   */
  async ensure(): Promise<void> {
    const access = await this.db.access();
    if (access === 'unauthorized') {
      throw new ConfigError(`the CHT user may not read the state database "${this.db.name}" (STATE_DB): make it a member`);
    }
    if (access === 'ok') {
      return;
    }
    let created: boolean;
    try {
      created = await this.db.create();
    } catch (error) {
      if (error instanceof TransientError && error.reason === 'cht_create_db_unauthorized') {
        throw new ConfigError(`the state database "${this.db.name}" (STATE_DB) does not exist and the CHT user may not create it`);
      }
      throw error;
    }
    if (created) {
      await this.db.putSecurity(ADMINS_ONLY);
    }
  }

  async checkpoint(): Promise<Seq | undefined> {
    const doc = await this.db.get(CHECKPOINT_ID);
    if (doc !== undefined && doc.source !== this.source) {
      throw new ConfigError(`the state database "${this.db.name}" (STATE_DB) holds the state of another CHT database: give each its own`);
    }
    this.checkpointRev = doc?._rev;
    return doc === undefined ? undefined : (doc.seq as Seq);
  }

  async saveCheckpoint(seq: Seq): Promise<void> {
    const checkpoint = { _id: CHECKPOINT_ID, _rev: this.checkpointRev, seq, source: this.source };
    this.checkpointRev = await this.putMerged(checkpoint, (latest) => ({ ...checkpoint, _rev: latest._rev }));
  }

  /** When the last sweep finished (ms since the epoch), if one ever did. */
  async lastSweep(): Promise<number | undefined> {
    const doc = await this.db.get(SWEEP_ID);
    const at = typeof doc?.finished_at === 'string' ? Date.parse(doc.finished_at) : Number.NaN;
    return Number.isNaN(at) ? undefined : at;
  }

  async saveSweep(at: number): Promise<void> {
    const sweep = { _id: SWEEP_ID, finished_at: new Date(at).toISOString(), source: this.source };
    await this.putMerged(sweep, (latest) => ({ ...sweep, _rev: latest._rev }));
  }

  async infos(docIds: readonly string[]): Promise<Map<string, Info>> {
    const docs = await this.db.getMany(docIds.map(infoId));
    const infos = new Map<string, Info>();
    for (const doc of docs.values()) {
      const info = doc as unknown as Info;
      infos.set(info.doc_id, info);
    }
    return infos;
  }

  /**
   * Saves an info doc's answers; if it was saved meanwhile (another copy of the worker, or a referral listed as
   * waiting), keeps both answers (ours win per transition) and the latest list of waiting referrals.
   */
  async saveInfo(info: Info): Promise<void> {
    await this.putMerged(info as unknown as Doc, (latest) => ({
      ...latest,
      transitions: { ...(latest.transitions as Info['transitions']), ...info.transitions },
    }));
  }

  /** Saves many info docs in one request; those saved meanwhile by someone else are merged one by one. */
  async saveInfos(infos: readonly Info[]): Promise<undefined[]> {
    const results = await this.db.bulkSave(infos as unknown as Doc[]);
    return Promise.all(
      results.map(async (result, i) => {
        if (result instanceof TransientError) {
          throw result;
        }
        if (result === 'conflict') {
          await this.saveInfo(infos[i] as Info);
        }
        return undefined;
      }),
    );
  }

  /** The info of one doc, read now (not from a batch read earlier). */
  async info(docId: string): Promise<Info | undefined> {
    return (await this.infos([docId])).get(docId);
  }

  /** Lists `waiterId` on the info of `docId` (a referral report on its client's): see `Info.waiting`. */
  async addWaiting(docId: string, waiterId: string): Promise<void> {
    await this.updateWaiting(docId, (ids) => (ids.includes(waiterId) ? ids : [...ids, waiterId]));
  }

  async removeWaiting(docId: string, waiterId: string): Promise<void> {
    await this.updateWaiting(docId, (ids) => ids.filter((id) => id !== waiterId));
  }

  private async updateWaiting(docId: string, update: (ids: readonly string[]) => readonly string[]): Promise<void> {
    const latest = await this.info(docId);
    const before = latest?.waiting ?? [];
    if (isDeepStrictEqual(update(before), before)) {
      return;
    }
    const withList = (info: Info | undefined): Info => ({
      ...(info ?? emptyInfo(docId)),
      waiting: update(info?.waiting ?? []),
    });
    await this.putMerged(withList(latest) as unknown as Doc, (current) => withList(current as unknown as Info) as unknown as Doc);
  }

  /** Puts `doc`; on a conflict merges it into the latest revision and tries again. Returns the new rev. */
  private async putMerged(doc: Doc, merge: (latest: Doc) => Doc): Promise<string> {
    let attempt: Doc = doc;
    for (let tries = 0; tries < 5; tries += 1) {
      const saved = await this.db.put(attempt);
      if (saved !== 'conflict') {
        return saved.rev;
      }
      const latest = await this.db.get(doc._id);
      attempt = latest === undefined ? { ...doc, _rev: undefined } : merge(latest);
    }
    throw new TransientError('state_conflict');
  }
}
