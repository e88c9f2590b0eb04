import http from 'node:http';
import { openSse } from '../live/sse-client';
import { rawConnection, type RawResponse, type ServerProcess } from './server-process';

export function postJson(port: number, url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: url, method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text || '{}') as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const request = (method: string, url: string, headers: Record<string, string | number>, body = '') =>
  `${method} ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n${body}`;

export interface DrainObservations {
  exposeId: string;
  /** The idle keep-alive connection's first reply, before SIGTERM. */
  idleStatus: number;
  /** 100 Continue: the in-flight write's head was taken before SIGTERM. */
  continueStatus: number;
  /** A request whose head was completed after SIGTERM. */
  refused: RawResponse;
  /** The in-flight write, its body sent after SIGTERM. */
  viewed: RawResponse;
  /** Status of each vote of clients racing the signal; 0 = refused or reset (never acknowledged). */
  burst: number[];
  exit: { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * SIGTERM while the server has: an idle keep-alive connection, a live stream, a write in flight
 * (head in, body not), a request whose head is still arriving and will be finished, one that never
 * will, and a burst of votes racing the signal. Waits for each of those to play out and the exit.
 */
export async function sigtermUnderLoad(server: ServerProcess): Promise<DrainObservations> {
  const { port } = server;
  const created = await postJson(port, '/api/exposes', { title: 'drain', body: 'drain' });
  if (created.status !== 201) throw new Error(`create failed: ${created.status}`);
  const exposeId = created.json.exposeId as string;

  const stream = await openSse(port, `ids=${exposeId}`);
  await stream.waitFor((c) => c.events().length > 0);

  const idle = await rawConnection(port);
  idle.write(request('GET', '/api/health', {}));
  const idleStatus = (await idle.response()).status;

  const body = JSON.stringify({ exposeId });
  const slow = await rawConnection(port);
  slow.write(request('POST', '/api/expose/views', { 'content-type': 'application/json', 'content-length': body.length, expect: '100-continue' }));
  const continueStatus = (await slow.response()).status;

  const late = await rawConnection(port);
  late.write(`POST /api/expose/vote HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
  const stalled = await rawConnection(port);
  stalled.write(`POST /api/expose/vote HTTP/1.1\r\nHost: 127.0.0.1\r\n`);

  // Eight clients voting back to back (each vote from a new session, so each counts) until the
  // server refuses them: writes are in flight when the signal lands.
  const burst: number[] = [];
  let acked = 0;
  let onAck: (() => void) | undefined;
  const clients = Array.from({ length: 8 }, async () => {
    for (;;) {
      const status = await postJson(port, '/api/expose/vote', { exposeId, voteType: 'upvote' }).then(
        (r) => r.status,
        () => 0,
      );
      burst.push(status);
      if (status !== 200) return;
      acked++;
      onAck?.();
    }
  });
  await new Promise<void>((resolve) => {
    onAck = () => acked >= 40 && resolve();
  });

  server.child.kill('SIGTERM');
  await server.waitForLog(/shutting down/);
  // Closed at once / ended (clients reconnect elsewhere); a hang here fails the test by its timeout.
  await idle.closed;
  await stream.ended;

  const voteBody = JSON.stringify({ exposeId, voteType: 'downvote' });
  late.write(`content-type: application/json\r\ncontent-length: ${voteBody.length}\r\n\r\n${voteBody}`);
  const refused = await late.response();
  await late.closed;

  slow.write(body);
  const viewed = await slow.response();

  await Promise.all(clients);
  await stalled.closed;
  return { exposeId, idleStatus, continueStatus, refused, viewed, burst, exit: await server.exited };
}
