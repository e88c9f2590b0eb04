import { describe, expect, it } from 'vitest';
import { serializeError, throttledErrorLog } from './logging';

describe('throttledErrorLog', () => {
  it('logs the first error at once, then one line per interval with how many were left out', () => {
    let t = 1_000;
    const lines: { suppressed: number }[] = [];
    const report = throttledErrorLog({ warn: (obj: { suppressed: number }) => lines.push(obj) } as never, 'x', {
      intervalMs: 30_000,
      now: () => t,
    });
    report(new Error('a'));
    for (let i = 0; i < 50; i++) {
      t += 100;
      report(new Error('b'));
    }
    expect(lines).toHaveLength(1);
    t += 30_000;
    report(new Error('c'));
    expect(lines.map((l) => l.suppressed)).toEqual([0, 50]);
  });
});

describe('serializeError', () => {
  it('keeps type, message, code, stack and cause, drops other fields and credentials in URLs', () => {
    const cause = Object.assign(new Error('connect to redis://user:hunter2@db.internal:6379 failed'), { code: 'ECONNREFUSED' });
    const err = Object.assign(new Error('outer', { cause }), { detail: 'Key (session_id)=(abc) exists', code: '23505' });
    const out = serializeError(err);
    expect(out).toMatchObject({ type: 'Error', message: 'outer', code: '23505' });
    expect(out.stack).toContain('logging.test.ts');
    expect(JSON.stringify(out)).not.toContain('session_id');
    expect(JSON.stringify(out)).not.toContain('hunter2');
    expect((out.cause as { message: string }).message).toBe('connect to redis://***@db.internal:6379 failed');
  });
});
