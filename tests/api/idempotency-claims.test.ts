import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf } from '@/lib/server/domain/idempotency';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { metricsOf, seedExpose } from '../helpers/fixtures';
import { signedInVisitor, type Visitor } from '../helpers/http';

const postgres = testDatabases().find((d) => d.name === 'postgres');
const SHARE = '/api/expose/share';

/**
 * A request holding an Idempotency-Key, played by another connection with an open transaction
 * that inserted the key's row, as the app's own requests do first thing. Needs a real server: the
 * duplicate has to wait on the other transaction.
 */
describe.skipIf(!postgres)('Idempotency-Key claims held by a running transaction (PostgreSQL)', () => {
  let t: TestApp;
  let holder: pg.Client;
  let watcher: pg.Client;
  beforeAll(async () => {
    t = await createTestApp(await postgres!.open(), { overrides: { rateLimitsEnabled: false, maintenance: false } });
    holder = new pg.Client({ connectionString: postgres!.url });
    watcher = new pg.Client({ connectionString: postgres!.url });
    await Promise.all([holder.connect(), watcher.connect()]);
    holder.on('error', () => {}); // terminated on purpose below
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([holder?.end().catch(() => {}), watcher?.end()]);
    await postgres?.cleanup();
  });

  const sessionOf = (v: Visitor) => v.cookie!.split('=')[1]!.split('.')[0]!;

  /** Resolves once some app session waits for a lock (polls the server; no sleeps). */
  const appWaitsForLock = async () => {
    for (let i = 0; i < 2_000; i++) {
      const { rows } = await watcher.query(
        `select 1 from pg_stat_activity where application_name = 'expose-corner' and wait_event_type = 'Lock'`,
      );
      if (rows.length > 0) return;
    }
    throw new Error('the duplicate never waited for the key');
  };

  it('replays the reply a running first request commits while the duplicate waits', async () => {
    const id = await seedExpose(t.container.store);
    const v = await signedInVisitor(t.app);
    const stored = { exposeId: id, version: 1, myVote: null, metrics: { views: 0, comments: 0, upvotes: 0, downvotes: 0, netVotes: 0, shares: 1 } };
    await holder.query('begin');
    await holder.query(
      `insert into idempotency_keys (session_id, scope, key, fingerprint, status_code, response, day)
       values ($1, 'share', 'wait', $2, 200, $3, to_char(now() at time zone 'UTC', 'YYYY-MM-DD'))`,
      [sessionOf(v), fingerprintOf({ exposeId: id, channel: 'link' }), JSON.stringify(stored)],
    );
    const duplicate = v.post(SHARE, { exposeId: id }, { 'idempotency-key': 'wait' });
    await appWaitsForLock();
    await holder.query('commit');
    const res = await duplicate;
    expect(res.statusCode).toBe(200);
    expect(res.headers['idempotent-replayed']).toBe('true');
    expect(res.json()).toEqual(stored);
    expect(await metricsOf(t.container.store, id)).toMatchObject({ shares: 0 }); // the holder's effect was only pretended
  });

  it('answers 409 with Retry-After after a bounded wait, and frees the key the moment its holder dies', async () => {
    const id = await seedExpose(t.container.store);
    const v = await signedInVisitor(t.app);
    await holder.query('begin');
    await holder.query(`insert into idempotency_keys (session_id, scope, key, fingerprint, day) values ($1, 'share', 'held', $2, to_char(now() at time zone 'UTC', 'YYYY-MM-DD'))`, [
      sessionOf(v),
      fingerprintOf({ exposeId: id, channel: 'link' }),
    ]);
    const busy = await v.post(SHARE, { exposeId: id }, { 'idempotency-key': 'held' });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error.code).toBe('idempotency_key_in_use');
    expect(busy.headers['retry-after']).toBe('1');
    // The holder's connection dies mid-request: PostgreSQL rolls its transaction, claim and all, back.
    const pid = (holder as unknown as { processID: number }).processID;
    await watcher.query('select pg_terminate_backend($1)', [pid]);
    const retry = await v.post(SHARE, { exposeId: id }, { 'idempotency-key': 'held' });
    expect(retry.statusCode).toBe(200);
    expect(await metricsOf(t.container.store, id)).toMatchObject({ shares: 1 });
  });
});
