import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/server/config';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';
import { openSse } from '../live/sse-client';

it('sets request and connection timeouts by default, and keeps stream keep-alives inside the idle timeout', () => {
  const defaults = loadConfig({});
  expect(defaults.requestTimeoutMs).toBeGreaterThan(0);
  expect(defaults.connectionTimeoutMs).toBeGreaterThan(defaults.streamKeepAliveMs);
  expect(loadConfig({ REQUEST_TIMEOUT_MS: '5000', CONNECTION_TIMEOUT_MS: '90000' })).toMatchObject({
    requestTimeoutMs: 5000,
    connectionTimeoutMs: 90_000,
  });
  expect(() => loadConfig({ CONNECTION_TIMEOUT_MS: '10000', STREAM_KEEPALIVE_MS: '15000' })).toThrow(/STREAM_KEEPALIVE_MS/);
});

/**
 * A real listening server with short timeouts: a client that sends its headers and then trickles
 * the body (each byte keeps the socket busy, so only the whole-request timeout can stop it) is
 * disconnected; a live stream, whose request was complete at once, outlives both timeouts.
 */
describe('request and connection timeouts', () => {
  const database = testDatabases()[0]!;
  let t: TestApp;
  let port: number;
  let id: string;
  beforeAll(async () => {
    const store = await database.open();
    t = await createTestApp(store, {
      env: { REQUEST_TIMEOUT_MS: '400', CONNECTION_TIMEOUT_MS: '1000', STREAM_KEEPALIVE_MS: '100' },
      overrides: { maintenance: false },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
    id = await seedExpose(store);
  });
  afterAll(async () => {
    await t.close();
    await database.cleanup();
  });

  it('drops a client whose body never finishes arriving', async () => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.on('connect', resolve));
    socket.write(
      'POST /api/expose/vote HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 16000\r\n\r\n{',
    );
    // One byte every 50 ms: 16,000 bytes would take over 13 minutes.
    const trickle = setInterval(() => socket.writable && socket.write(' '), 50);
    try {
      await closed;
    } finally {
      clearInterval(trickle);
    }
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('keeps a live stream open past both timeouts', async () => {
    const stream = await openSse(port, `ids=${id}`);
    try {
      expect(stream.status).toBe(200);
      // 30 keep-alives 100 ms apart: about 3 s, past the 0.4 s request and 1 s idle timeouts.
      await stream.waitFor((c) => c.frames().filter((f) => f === ': keep-alive').length >= 30, 15_000);
      expect(stream.isEnded()).toBe(false);
    } finally {
      stream.close();
    }
  });
});
