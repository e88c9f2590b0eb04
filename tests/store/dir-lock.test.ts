import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDirLock } from '@/lib/server/store/dir-lock';

const dirs: string[] = [];
const lockIn = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ec-lock-'));
  dirs.push(d);
  return path.join(d, 'pglite.lock');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the data-folder lock', () => {
  // In a container the server has the same PID on every boot: after a kill -9 the lock file names
  // our own PID, and a lock that trusted the PID alone would refuse to start forever.
  it('takes over a lock left by an earlier process that had our PID (old format: the PID alone)', () => {
    const lock = lockIn();
    writeFileSync(lock, String(process.pid));
    const release = acquireDirLock(lock);
    release();
  });

  it('takes over a lock naming our PID with another start time', () => {
    const lock = lockIn();
    writeFileSync(lock, JSON.stringify({ pid: process.pid, startTime: 'an earlier boot' }));
    const release = acquireDirLock(lock);
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid });
    release();
  });

  it('refuses a second holder inside the same process', () => {
    const lock = lockIn();
    const release = acquireDirLock(lock);
    try {
      expect(() => acquireDirLock(lock)).toThrow(/in use by process/);
    } finally {
      release();
    }
    acquireDirLock(lock)();
  });

  it('refuses a live other process, and takes over from one that is gone', () => {
    const lock = lockIn();
    // PID 1 exists on every Linux system and is never us.
    writeFileSync(lock, '1');
    expect(() => acquireDirLock(lock)).toThrow(/in use by process 1\b/);
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 17, startTime: '1' })); // above pid_max: no such process
    acquireDirLock(lock)();
  });

  it('tells a live holder from a recycled PID by its start time', () => {
    const lock = lockIn();
    const parent = process.ppid;
    const started = readFileSync(`/proc/${parent}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
    writeFileSync(lock, JSON.stringify({ pid: parent, startTime: started }));
    expect(() => acquireDirLock(lock)).toThrow(new RegExp(`in use by process ${parent}\\b`));
    writeFileSync(lock, JSON.stringify({ pid: parent, startTime: `${started}0` }));
    acquireDirLock(lock)();
  });
});
