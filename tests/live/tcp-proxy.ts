import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP hop in front of Redis that a test can cut (an outage: connections reset and refused),
 * stall (a hung server: connections stay open and new ones are accepted, but nothing is
 * forwarded either way) and restore (what was held back is delivered, in order).
 */
export interface TcpProxy {
  url: string;
  cut(): void;
  stall(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: URL): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let down = false;
  let stalled = false;
  // Bytes held back while stalled, per direction, flushed in order on restore.
  const held: { to: net.Socket; chunks: Buffer[] }[] = [];
  const forward = (from: net.Socket, to: net.Socket) => {
    const queue = { to, chunks: [] as Buffer[] };
    held.push(queue);
    from.on('data', (chunk: Buffer) => {
      if (stalled || queue.chunks.length > 0) queue.chunks.push(chunk);
      else to.write(chunk);
    });
  };
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target.toString());
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    stall() {
      stalled = true;
    },
    restore() {
      down = false;
      stalled = false;
      for (const q of held) {
        for (const chunk of q.chunks.splice(0)) if (!q.to.destroyed) q.to.write(chunk);
      }
    },
    async close() {
      for (const s of sockets) s.destroy();
      held.length = 0;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
