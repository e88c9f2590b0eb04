import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface HttpDrain {
  /**
   * Ends keep-alive: idle connections close now, busy ones right after their reply (`Connection:
   * close`). Resolves when no request is in flight any more; connections left then carry only
   * requests still arriving (no reply owed), and are closed.
   */
  drain(): Promise<void>;
}

/**
 * Tracks the requests of a Node HTTP server so a shutdown can close each connection as soon as it
 * owes no reply. Node's `server.close()` alone closes only idle connections: a keep-alive
 * connection whose next request is still arriving held it until the keep-alive timeout (72 s).
 * Install before listening.
 */
export function trackHttp(server: Server): HttpDrain {
  const open = new Set<ServerResponse>();
  // Every socket, including upgraded ones (Next's development hot-reload websocket), which Node's
  // closeAllConnections() no longer knows and which would otherwise hold server.close().
  const sockets = new Set<Socket>();
  let draining = false;
  let settle: (() => void) | undefined;

  const closeAfterReply = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  };
  const checkDone = () => {
    // A reply whose head went out before the drain (a page still streaming) left its connection
    // keep-alive: it is idle now, so close it.
    server.closeIdleConnections();
    if (open.size === 0 && settle) {
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      settle();
      settle = undefined;
    }
  };

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // First listener, so the header is set before any handler writes the head.
  server.prependListener('request', (_req, res: ServerResponse) => {
    open.add(res);
    if (draining) closeAfterReply(res);
    res.once('close', () => {
      open.delete(res);
      // Node marks the connection idle after this event: look once the turn is over.
      if (draining) setImmediate(checkDone);
    });
  });

  return {
    drain() {
      draining = true;
      for (const res of open) closeAfterReply(res);
      return new Promise<void>((resolve) => {
        settle = resolve;
        checkDone();
      });
    },
  };
}
