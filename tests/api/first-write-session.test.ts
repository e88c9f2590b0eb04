import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsEngine } from '@/lib/metrics-client/engine';
import type { FetchLike } from '@/lib/metrics-client/transport';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { metricsOf, seedExpose } from '../helpers/fixtures';

/**
 * Issue 12, gap 2: a first-time visitor (no cookie) whose first write reaches the server but whose
 * reply (and with it the new session cookie) is lost. The browser engine over the real API: fetch
 * goes through Fastify's inject, a cookie jar plays the browser, and the first reply of the write
 * is dropped below the jar, as a dropped connection would.
 */
function browserLike(t: TestApp, loseFirstReplyOf: string) {
  let cookie: string | undefined;
  let lost = false;
  const fetch: FetchLike = async (url, init) => {
    const headers = { ...(init.headers as Record<string, string>), ...(cookie && { cookie }) };
    const res = await t.app.inject({ method: init.method as 'GET' | 'POST', url, headers, ...(typeof init.body === 'string' && { payload: init.body }) });
    if (!lost && url === loseFirstReplyOf) {
      lost = true;
      throw new TypeError('Failed to fetch (the reply was lost)');
    }
    const set = res.headers['set-cookie'];
    const first = Array.isArray(set) ? set[0] : set;
    if (typeof first === 'string') cookie = first.split(';')[0];
    return new Response(res.body, { status: res.statusCode, headers: { 'content-type': String(res.headers['content-type'] ?? 'application/json') } });
  };
  return fetch;
}

for (const database of testDatabases()) {
  describe(`first write of a new visitor on ${database.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(await database.open(), { overrides: { rateLimitsEnabled: false, maintenance: false } });
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    const engineFor = (fetch: FetchLike, hasSession: boolean) =>
      new MetricsEngine({ fetch, hasSession, policy: { offlineRetryDelaysMs: [10] } });

    it('holds a session before its first write: a lost first reply is retried as the same session, counted once', async () => {
      const id = await seedExpose(t.container.store);
      const engine = engineFor(browserLike(t, '/api/expose/share'), false);
      engine.register({ exposeId: id, version: 0, metrics: { views: 0, comments: 0, upvotes: 0, downvotes: 0, netVotes: 0, shares: 0 } });
      await expect(engine.share(id)).resolves.toBe(true);
      expect((await metricsOf(t.container.store, id)).shares).toBe(1);
      engine.dispose();
    });

    it('(the same without the handshake counts twice: the retry runs as another session)', async () => {
      const id = await seedExpose(t.container.store);
      const engine = engineFor(browserLike(t, '/api/expose/share'), true);
      await expect(engine.share(id)).resolves.toBe(true);
      expect((await metricsOf(t.container.store, id)).shares).toBe(2);
      engine.dispose();
    });

    it('a comment likewise: posted once', async () => {
      const id = await seedExpose(t.container.store);
      const engine = engineFor(browserLike(t, '/api/expose/comments'), false);
      const res = await engine.comment(id, 'first words');
      expect(res.ok).toBe(true);
      expect((await metricsOf(t.container.store, id)).comments).toBe(1);
      engine.dispose();
    });
  });
}
