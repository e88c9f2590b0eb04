import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '@/lib/server/store/migrations-dir';

/** The committed migrations as they were before `tag` (a copy whose journal stops there). */
function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ec-migrations-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag === tag);
  if (at < 0) throw new Error(`no migration ${tag}`);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

describe('migration 0004: Idempotency-Key scope (session, endpoint)', () => {
  const before = migrationsBefore('0004_idempotency_scope');
  afterAll(() => rmSync(before, { recursive: true, force: true }));

  it('keeps each remembered key under its endpoint, the first use where one key served several exposes, and drops dead claims', async () => {
    const client = await PGlite.create();
    const db = drizzle({ client });
    await migrate(db, { migrationsFolder: before });
    await client.query(`
      insert into idempotency_keys (session_id, scope, key, fingerprint, status_code, response, created_at) values
        ('s1', 'share:e1',   'k1', 'first',   200,  '{"n":1}', '2031-01-01T00:00:01Z'),
        ('s1', 'share:e2',   'k1', 'second',  200,  '{"n":2}', '2031-01-01T00:00:02Z'),
        ('s1', 'comment:e1', 'k1', 'comment', 201,  '{"n":3}', '2031-01-01T00:00:03Z'),
        ('s2', 'share:e1',   'k1', 'other',   200,  '{"n":4}', '2031-01-01T00:00:04Z'),
        ('s1', 'share:e3',   'k2', 'claim',   null, null,      '2031-01-01T00:00:05Z')`);
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    const { rows } = await client.query(
      `select session_id, scope, key, fingerprint, response from idempotency_keys order by session_id, scope, key`,
    );
    expect(rows).toEqual([
      { session_id: 's1', scope: 'comment', key: 'k1', fingerprint: 'comment', response: { n: 3 } },
      { session_id: 's1', scope: 'share', key: 'k1', fingerprint: 'first', response: { n: 1 } },
      { session_id: 's2', scope: 'share', key: 'k1', fingerprint: 'other', response: { n: 4 } },
    ]);
    await client.close();
  });
});
