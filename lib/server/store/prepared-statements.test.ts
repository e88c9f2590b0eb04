import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createStatementNamer } from './prepared-statements';

describe('createStatementNamer', () => {
  it('names a text by its hash: same text, same name, whatever the values', () => {
    const name = createStatementNamer();
    const a = name(sql`select * from votes where session_id = ${'s1'} and expose_id = any(${sql.param(['a'])}::text[])`);
    const b = name(sql`select * from votes where session_id = ${'s2'} and expose_id = any(${sql.param(['a', 'b', 'c'])}::text[])`);
    expect(a.name).toMatch(/^ec_[0-9a-f]{24}$/);
    expect(b.name).toBe(a.name);
    expect(a.text).toBe('select * from votes where session_id = $1 and expose_id = any($2::text[])');
    expect(b.values).toEqual(['s2', ['a', 'b', 'c']]);
    expect(name(sql`select 1 as ok`).name).not.toBe(a.name);
  });

  it('runs texts beyond the cap unnamed, so a varying text cannot grow the statement caches', () => {
    const name = createStatementNamer(2);
    expect(name(sql`select 1`).name).toBeDefined();
    expect(name(sql`select 2`).name).toBeDefined();
    expect(name(sql`select 3`).name).toBeUndefined();
    expect(name(sql`select 1`).name).toBeDefined();
  });
});
