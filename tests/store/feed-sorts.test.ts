import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOP_WINDOW_MS, type FeedOrder } from '@/lib/contracts/feed-order';
import { listExposes } from '@/lib/server/domain/exposes';
import type { Store } from '@/lib/server/store/port';
import { databaseOf, testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';

const HOUR = 3_600_000;
const NOW = new Date('2026-06-01T12:00:00.000Z');
const HOT_EPOCH = Date.parse('2025-01-01T00:00:00Z');

interface Seeded {
  id: string;
  createdAt: number;
  net: number;
  expired: boolean;
}

/** The documented formulas (docs/ARCHITECTURE.md "Feed sorts"), computed here independently of SQL. */
const hotRank = (e: Seeded) => Math.sign(e.net) * Math.log10(Math.max(Math.abs(e.net), 1)) + (e.createdAt - HOT_EPOCH) / 1000 / 45_000;
const byKeys = (...keys: ((e: Seeded) => number | string)[]) => (a: Seeded, b: Seeded) => {
  for (const k of keys) {
    const [x, y] = [k(a), k(b)];
    if (x !== y) return x < y ? 1 : -1;
  }
  return 0;
};

function expected(all: Seeded[], order: FeedOrder): string[] {
  const live = all.filter((e) => !e.expired);
  if (order.sort === 'new') return live.sort(byKeys((e) => e.createdAt, (e) => e.id)).map((e) => e.id);
  if (order.sort === 'hot') return live.sort(byKeys(hotRank, (e) => e.id)).map((e) => e.id);
  const span = TOP_WINDOW_MS[order.window];
  return live
    .filter((e) => span === null || e.createdAt > NOW.getTime() - span)
    .sort(byKeys((e) => e.net, (e) => e.createdAt, (e) => e.id))
    .map((e) => e.id);
}

const ORDERS: FeedOrder[] = [
  { sort: 'new', window: 'day' },
  { sort: 'hot', window: 'day' },
  { sort: 'top', window: 'day' },
  { sort: 'top', window: 'week' },
  { sort: 'top', window: 'all' },
];

for (const database of testDatabases()) {
  describe(`feed orders on ${database.name}`, () => {
    let store: Store;
    const seeded: Seeded[] = [];
    const deps = () => ({ store, now: () => NOW });

    beforeAll(async () => {
      store = await database.open();
      const db = databaseOf(store);
      // A deterministic spread: ages from minutes to 20 days, net votes from -6 to +40 (many ties),
      // some expired. Counters are set directly: the order depends only on them and created_at.
      for (let i = 0; i < 60; i++) {
        const id = await seedExpose(store, { expiresAt: i % 9 === 4 ? new Date(NOW.getTime() - HOUR) : null });
        const ageHours = i % 4 === 0 ? i / 4 : (i * 7_919) % 480;
        const createdAt = NOW.getTime() - ageHours * HOUR - i * 1_000;
        const up = (i * 37) % 41;
        const down = (i * 11) % 7;
        await db.rows(sql`update exposes set created_at = ${new Date(createdAt).toISOString()}, upvotes = ${up}, downvotes = ${down} where id = ${id}`);
        seeded.push({ id, createdAt, net: up - down, expired: i % 9 === 4 });
      }
    });
    afterAll(async () => {
      await database.cleanup();
    });

    it.each(ORDERS)('pages $sort ($window) in the documented order, every live expose once, no expired one', async (order) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listExposes(deps(), { limit: 7, cursor, order });
        seen.push(...page.exposes.map((e) => e.exposeId));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(expected([...seeded], order));
    });

    it('keeps net votes and the hot rank up to date as votes change', async () => {
      // A recent expose that is not first now: 1,000 more votes (3 orders of magnitude, 37.5 h of
      // age in the formula) put it first in both orders.
      const hot = expected([...seeded], { sort: 'hot', window: 'day' });
      const last = hot.find((id, i) => i > 0 && seeded.find((e) => e.id === id)!.createdAt > NOW.getTime() - 12 * HOUR)!;
      expect(last).toBeDefined();
      await databaseOf(store).rows(sql`update exposes set upvotes = upvotes + 1000 where id = ${last}`);
      const [top] = (await listExposes(deps(), { limit: 1, order: { sort: 'hot', window: 'day' } })).exposes;
      expect(top?.exposeId).toBe(last);
      const [best] = (await listExposes(deps(), { limit: 1, order: { sort: 'top', window: 'all' } })).exposes;
      expect(best?.exposeId).toBe(last);
      await databaseOf(store).rows(sql`update exposes set upvotes = upvotes - 1000 where id = ${last}`);
    });

    it('refuses a cursor made by another order', async () => {
      const hot = await listExposes(deps(), { limit: 2, order: { sort: 'hot', window: 'day' } });
      await expect(listExposes(deps(), { limit: 2, cursor: hot.nextCursor!, order: { sort: 'top', window: 'all' } })).rejects.toMatchObject({ code: 'invalid_input' });
      await expect(listExposes(deps(), { limit: 2, cursor: hot.nextCursor! })).rejects.toMatchObject({ code: 'invalid_input' });
    });
  });
}
