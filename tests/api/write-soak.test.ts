import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@/lib/server/store/port';
import { textArray } from '@/lib/server/store/sql-helpers';
import { createTestApp, sessionCookieOf, type TestApp } from '../helpers/app';
import { databaseOf, testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';

/**
 * A mixed soak on PostgreSQL: votes, views, shares and comments over many exposes (and one hot
 * one) from two app instances on one database at once, so vote batches and view batches spanning
 * exposes meet each other, and single-expose shares and comments, on every row lock. PostgreSQL
 * must report no deadlock (pg_stat_database.deadlocks), no request may fail with a 5xx other than
 * load shedding's 503, and every counter must equal what was acknowledged, exactly. The count
 * integrity gate runs as in production, with few free votes and shares per IP identity: beyond
 * them a vote or share is refused with 428 (nothing of it written; in a vote batch that means its
 * row is put back inside the batch's transaction), so refusals meet the batches too.
 *
 * Duration: SOAK_SECONDS, else 120 s in CI (.ci/run sets CI=true) and 20 s elsewhere.
 */
const SECONDS = Number(process.env.SOAK_SECONDS ?? (process.env.CI ? 120 : 20));
const WORKERS_PER_INSTANCE = 16;
const EXPOSES = 40;
const json = { 'content-type': 'application/json' };
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

const postgres = testDatabases().find((d) => d.name === 'postgres');

describe.skipIf(!postgres)('mixed write soak on PostgreSQL (two instances)', () => {
  const database = postgres!;
  let stores: Store[];
  let apps: TestApp[];
  beforeAll(async () => {
    const secret = randomBytes(24).toString('hex');
    stores = [await database.open(), await database.open()];
    apps = await Promise.all(stores.map((store) => createTestApp(store, { env: { RATE_LIMITS: '0', SESSION_SECRET: secret, FREE_VOTES_PER_IP: '5', FREE_SHARES_PER_IP: '5' } })));
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await database.cleanup();
  });

  it(`${SECONDS} s of votes, views, shares and comments across exposes: no deadlock, exact counts`, { timeout: (SECONDS + 120) * 1000 }, async () => {
    const store = stores[0]!;
    const db = databaseOf(store);
    const ids = await Promise.all(Array.from({ length: EXPOSES }, () => seedExpose(store)));
    const hot = ids[0]!;
    const deadlocks = async () =>
      Number((await db.rows<{ n: string }>(sql`select deadlocks as n from pg_stat_database where datname = current_database()`))[0]!.n);
    const deadlocksBefore = await deadlocks();

    const acked = new Map(ids.map((id) => [id, { views: 0, shares: 0, comments: 0 }]));
    /** Each worker's last acknowledged vote per expose: the state its session's row must end in. */
    const lastVote = new Map<string, number>();
    const statuses = new Map<number, number>();
    const count = (code: number) => statuses.set(code, (statuses.get(code) ?? 0) + 1);
    const pick = () => (Math.random() < 0.2 ? hot : ids[Math.floor(Math.random() * ids.length)]!);
    const deadline = Date.now() + SECONDS * 1000;
    let seq = 0;

    const worker = async (t: TestApp, w: number) => {
      const remoteAddress = `10.${w}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      const first = await t.app.inject({ method: 'GET', url: '/api/health', remoteAddress });
      let cookie = first.headers['set-cookie'] ? sessionCookieOf(first) : '';
      const headers = () => ({ ...json, ...(cookie ? { cookie } : {}), 'user-agent': UA });
      while (Date.now() < deadline) {
        const exposeId = pick();
        const r = Math.random();
        const n = seq++;
        if (r < 0.4) {
          const value = [1, -1, 0][Math.floor(Math.random() * 3)]!;
          const voteType = value === 1 ? 'upvote' : value === -1 ? 'downvote' : 'none';
          const res = await t.app.inject({ method: 'POST', url: '/api/expose/vote', remoteAddress, headers: headers(), payload: { exposeId, voteType } });
          count(res.statusCode);
          if (!cookie && res.headers['set-cookie']) cookie = sessionCookieOf(res);
          if (res.statusCode === 200 && cookie) lastVote.set(`${cookie}\n${exposeId}`, value);
        } else if (r < 0.8) {
          // A new viewer every time (its own user agent), so each acknowledged `counted: true` is one view.
          const res = await t.app.inject({
            method: 'POST',
            url: '/api/expose/views',
            remoteAddress,
            headers: { ...headers(), 'user-agent': `${UA} soak/${n}` },
            payload: { exposeId },
          });
          count(res.statusCode);
          if (res.statusCode === 200 && res.json().counted === true) acked.get(exposeId)!.views++;
        } else if (r < 0.9) {
          const res = await t.app.inject({ method: 'POST', url: '/api/expose/share', remoteAddress, headers: { ...headers(), 'idempotency-key': `s-${n}` }, payload: { exposeId, channel: 'link' } });
          count(res.statusCode);
          if (res.statusCode === 200) acked.get(exposeId)!.shares++;
        } else {
          const res = await t.app.inject({ method: 'POST', url: '/api/expose/comments', remoteAddress, headers: { ...headers(), 'idempotency-key': `c-${n}` }, payload: { exposeId, body: `soak ${n}` } });
          count(res.statusCode);
          if (res.statusCode === 201) acked.get(exposeId)!.comments++;
        }
      }
    };
    await Promise.all(apps.flatMap((t, i) => Array.from({ length: WORKERS_PER_INSTANCE }, (_, j) => worker(t, i * WORKERS_PER_INSTANCE + j + 1))));

    const codes = Object.fromEntries(statuses);
    // Only successes, the gate's 428 and (rarely, on a loaded machine) load shedding's 503: never a 500 or a 409.
    expect(Object.keys(codes).filter((c) => !['200', '201', '428', '503'].includes(c))).toEqual([]);
    expect(codes['428'] ?? 0).toBeGreaterThan(0);
    expect(codes['200'] ?? 0).toBeGreaterThan(SECONDS * 20);
    expect(await deadlocks()).toBe(deadlocksBefore);

    const rows = await db.rows<{ id: string; views: string; shares: string; comments: string; upvotes: string; downvotes: string; up: string; down: string; share_rows: string; comment_rows: string }>(sql`
      select e.id, e.views, e.shares, e.comments, e.upvotes, e.downvotes,
        (select count(*) from votes v where v.expose_id = e.id and v.value = 1 and v.counted) as up,
        (select count(*) from votes v where v.expose_id = e.id and v.value = -1 and v.counted) as down,
        (select count(*) from shares s where s.expose_id = e.id) as share_rows,
        (select count(*) from comments c where c.expose_id = e.id) as comment_rows
      from exposes e where e.id = any(${textArray(ids)})`);
    expect(rows).toHaveLength(EXPOSES);
    for (const r of rows) {
      const a = acked.get(r.id)!;
      expect({ id: r.id, views: Number(r.views), shares: Number(r.shares), comments: Number(r.comments) }).toEqual({ id: r.id, ...a });
      expect(Number(r.share_rows)).toBe(a.shares);
      expect(Number(r.comment_rows)).toBe(a.comments);
      expect({ id: r.id, upvotes: Number(r.upvotes), downvotes: Number(r.downvotes) }).toEqual({ id: r.id, upvotes: Number(r.up), downvotes: Number(r.down) });
    }
    // The vote rows hold each session's last acknowledged vote (counted or over its IP cap).
    const clients = { up: 0, down: 0 };
    for (const value of lastVote.values()) {
      if (value === 1) clients.up++;
      if (value === -1) clients.down++;
    }
    const stored = await db.rows<{ up: string; down: string }>(sql`
      select count(*) filter (where value = 1) as up, count(*) filter (where value = -1) as down
      from votes where expose_id = any(${textArray(ids)})`);
    expect({ up: Number(stored[0]!.up), down: Number(stored[0]!.down) }).toEqual(clients);
  });
});
