import { describe, expect, it } from 'vitest';
import { createViewerHasher, previousUtcDay, utcDay, viewerHash } from './viewer-hash';

describe('viewer hash', () => {
  it('names UTC days', () => {
    expect(utcDay(new Date('2031-01-01T00:00:00.000Z'))).toBe('2031-01-01');
    expect(utcDay(new Date('2030-12-31T23:59:59.999Z'))).toBe('2030-12-31');
    expect(previousUtcDay(new Date('2031-03-01T00:30:00.000Z'))).toBe('2031-02-28');
  });

  it('depends on the salt, the IP and the user agent, and never contains them', () => {
    const h = viewerHash('salt', '203.0.113.1', 'UA');
    expect(h).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(viewerHash('salt', '203.0.113.1', 'UA')).toBe(h);
    expect(viewerHash('other', '203.0.113.1', 'UA')).not.toBe(h);
    expect(viewerHash('salt', '203.0.113.2', 'UA')).not.toBe(h);
    expect(viewerHash('salt', '203.0.113.1', 'UA2')).not.toBe(h);
    // the separator keeps (ip, ua) pairs apart
    expect(viewerHash('salt', 'a', 'b\nc')).not.toBe(viewerHash('salt', 'a\nb', 'c'));
  });

  it('loads salts once per day, hands yesterday’s hash along, and retries after a failure', async () => {
    const salts = new Map<string, string>([['2031-01-01', 'y-salt']]);
    let loads = 0;
    let fail = true;
    const hasher = createViewerHasher({
      store: {
        async ensureSalt(day, candidate) {
          loads++;
          if (fail) throw new Error('down');
          if (!salts.has(day)) salts.set(day, candidate);
          return salts.get(day)!;
        },
        findSalt: async (day) => salts.get(day) ?? null,
      },
    });
    const now = new Date('2031-01-02T10:00:00.000Z');
    await expect(hasher.keysFor('ip', 'ua', now)).rejects.toThrow('down');
    fail = false;
    const keys = await hasher.keysFor('ip', 'ua', now);
    await hasher.keysFor('ip2', 'ua', now);
    expect(loads).toBe(2);
    expect(keys.current).toBe(viewerHash(salts.get('2031-01-02')!, 'ip', 'ua'));
    expect(keys.previous).toBe(viewerHash('y-salt', 'ip', 'ua'));
    const next = await hasher.keysFor('ip', 'ua', new Date('2031-01-03T00:00:01.000Z'));
    expect(next.previous).toBe(keys.current);
    expect(loads).toBe(3);
  });
});
