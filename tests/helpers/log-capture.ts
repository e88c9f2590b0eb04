import { Writable } from 'node:stream';
import { createLogger } from '@/lib/server/logging';

export interface LogLine {
  level: number;
  msg?: string;
  reqId?: string;
  [field: string]: unknown;
}

/** The server's log lines as written (pino JSON), captured in memory. */
export function captureLogs(level = 'info') {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    logger: createLogger(level, stream),
    text: () => raw.join(''),
    lines: (): LogLine[] =>
      raw
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as LogLine),
  };
}
