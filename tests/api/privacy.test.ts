import { Writable } from 'node:stream';
import { isbot } from 'isbot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@/lib/server/logging';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { dumpTables } from '../helpers/dump';
import { visitor } from '../helpers/http';

const IP = '203.0.113.77';
const FORWARDED_IP = '198.51.100.213';
const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 PrivacyMarker/93c1e5';

for (const database of testDatabases()) {
  describe(`no raw IP or user agent is stored or logged, on ${database.name}`, () => {
    let t: TestApp;
    const logLines: string[] = [];
    beforeAll(async () => {
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          logLines.push(chunk.toString('utf8'));
          done();
        },
      });
      t = await createTestApp(await database.open(), {
        env: { TRUST_PROXY: '1' },
        overrides: { rateLimitsEnabled: false },
        app: { logger: createLogger('trace', sink) },
      });
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    it('dumps every table after activity from a known address and finds neither string', async () => {
      expect(isbot(UA)).toBe(false);
      for (const forwarded of [undefined, FORWARDED_IP]) {
        const v = visitor(t.app, { remoteAddress: IP, userAgent: UA });
        const h: Record<string, string> = forwarded ? { 'x-forwarded-for': forwarded } : {};
        const created = await v.post('/api/exposes', { title: 'privacy', body: 'check' }, h);
        const id = created.json().exposeId as string;
        expect((await v.post('/api/expose/views', { exposeId: id }, h)).json().counted).toBe(true);
        expect((await v.post('/api/expose/vote', { exposeId: id, voteType: 'upvote' }, h)).statusCode).toBe(200);
        expect((await v.post('/api/expose/share', { exposeId: id }, { ...h, 'idempotency-key': 'p-1' })).statusCode).toBe(200);
        expect(
          (await v.post('/api/expose/comments', { exposeId: id, body: 'hello' }, { ...h, 'idempotency-key': 'p-2' })).statusCode,
        ).toBe(201);
        await v.get(`/api/expose/comments?exposeId=${id}`, h);
        await v.get(`/api/expose/metrics?ids=${id}`, h);
        await v.post('/api/expose/vote', { exposeId: 'unknown', voteType: 'upvote' }, h);
        await v.post('/api/expose/views', { exposeId: 'a b' }, h);
      }
      const dump = JSON.stringify(await dumpTables(t.container.store));
      expect(dump).toContain('privacy'); // the dump does see the activity
      for (const needle of [IP, FORWARDED_IP, UA, 'PrivacyMarker', 'Firefox']) {
        expect(dump).not.toContain(needle);
      }
      const logs = logLines.join('');
      for (const needle of [IP, FORWARDED_IP, 'PrivacyMarker']) expect(logs).not.toContain(needle);
    });
  });
}
