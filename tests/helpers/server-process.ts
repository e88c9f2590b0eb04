import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** Resolves with the first log line (pino JSON) whose `msg` matches; rejects if the process exits first. */
  waitForLog(msg: RegExp): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/**
 * Spawns a server (`command` + `args`, e.g. node dist/server.mjs) that logs pino JSON lines to
 * stdout, and resolves once its output matches `ready` (default: api-server.ts's `listening <port>`);
 * the port is that match's first group, or `opts.port`.
 */
export async function startServer(
  command: string,
  args: string[],
  env: Record<string, string>,
  opts: { ready?: RegExp; port?: number } = {},
): Promise<ServerProcess> {
  const child = spawn(command, args, {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env } as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      for (const w of [...waiters]) w();
      resolve(exitInfo);
    });
  });
  let partial = '';
  const onData = (d: Buffer) => {
    out += d.toString();
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const waitForLog = (msg: RegExp) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const hit = lines.find((l) => typeof l.msg === 'string' && msg.test(l.msg));
        if (hit) {
          waiters.delete(check);
          resolve(hit);
        } else if (exitInfo) {
          waiters.delete(check);
          reject(new Error(`server exited (${JSON.stringify(exitInfo)}) before logging ${msg}:\n${out.slice(-3000)}`));
        }
      };
      waiters.add(check);
      check();
    });
  const ready = opts.ready ?? /^listening (\d+)$/m;
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const hit = ready.exec(out);
      if (hit) {
        waiters.delete(check);
        resolve(hit);
      } else if (exitInfo) {
        waiters.delete(check);
        reject(new Error(`server exited (${JSON.stringify(exitInfo)}) before it was ready:\n${out.slice(-3000)}`));
      }
    };
    waiters.add(check);
    check();
  });
  return {
    child,
    port: opts.port ?? Number(match[1]),
    waitForLog,
    exited,
    output: () => out,
  };
}

/** A raw HTTP/1.1 connection: write bytes as the test chooses, read whole responses. */
export interface RawConnection {
  socket: net.Socket;
  write(text: string): void;
  /** The next complete response on this connection (head + Content-Length body). */
  response(): Promise<RawResponse>;
  /** Resolves when the server closed the connection. */
  closed: Promise<void>;
  /** Everything received, raw. */
  received(): string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function rawConnection(port: number): Promise<RawConnection> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  let buffer = '';
  let all = '';
  const waiters = new Set<() => void>();
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    buffer += d;
    all += d;
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => {
    for (const w of [...waiters]) w();
    resolve();
  }));
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  const parse = (): RawResponse | undefined => {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...headerLines] = buffer.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(
      headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const status = Number(statusLine!.split(' ')[1]);
    const length = status === 100 ? 0 : Number(headers['content-length'] ?? 0);
    if (buffer.length < end + 4 + length) return undefined;
    const body = buffer.slice(end + 4, end + 4 + length);
    buffer = buffer.slice(end + 4 + length);
    return { status, headers, body };
  };
  return {
    socket,
    write: (text) => socket.write(text),
    response: () =>
      new Promise((resolve, reject) => {
        const check = () => {
          const res = parse();
          if (res) {
            waiters.delete(check);
            resolve(res);
          } else if (isClosed || socket.destroyed) {
            waiters.delete(check);
            reject(new Error(`connection closed before a whole response; received ${JSON.stringify(all)}`));
          }
        };
        waiters.add(check);
        check();
      }),
    closed,
    received: () => all,
  };
}
