import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What the lock file says about its holder. `startTime` is null where /proc is not available. */
interface Holder {
  pid: number;
  startTime: string | null;
}

/** Lock files this process holds: the only way to tell "our PID, really us" from "our PID, a past boot". */
const heldHere = new Set<string>();

/** The kernel's start time of a process (clock ticks since boot, /proc/<pid>/stat field 22), or null. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command name) is in parentheses and may hold spaces: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder written in the file: JSON now, a bare PID in files written before start times were kept. */
function readHolder(lockPath: string): Holder | null {
  const text = readFileSync(lockPath, 'utf8').trim();
  try {
    const parsed = JSON.parse(text) as Partial<Holder>;
    if (typeof parsed === 'number') return { pid: parsed, startTime: null };
    if (Number.isInteger(parsed.pid)) return { pid: parsed.pid!, startTime: parsed.startTime ?? null };
  } catch {
    // An empty file: the holder died between creating and writing it.
  }
  return null;
}

/**
 * Whether the recorded holder still runs. Our own PID is a holder only if this very process holds
 * the lock: in a container the server gets the same PID on every boot, so after a kill -9 the file
 * names "us". Another PID counts when that process is alive and, where the kernel tells start
 * times, started when the file says (so a recycled PID does not hold a dead process's lock).
 */
function holds(holder: Holder, lockPath: string): boolean {
  if (holder.pid === process.pid) return heldHere.has(lockPath);
  if (!isAlive(holder.pid)) return false;
  const now = startTimeOf(holder.pid);
  return holder.startTime === null || now === null || now === holder.startTime;
}

/**
 * Takes an exclusive lock file holding our PID and start time. A lock left by a process that no
 * longer runs is taken over; one held by a live process is an error with a clear message.
 * Returns the release.
 */
export function acquireDirLock(lockPath: string): () => void {
  const key = path.resolve(lockPath);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const me: Holder = { pid: process.pid, startTime: startTimeOf(process.pid) };
      writeFileSync(lockPath, JSON.stringify(me), { flag: 'wx' });
      heldHere.add(key);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        heldHere.delete(key);
        rmSync(lockPath, { force: true });
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(lockPath);
      if (holder && holds(holder, key)) {
        throw new Error(
          `The embedded database at ${path.dirname(lockPath)} is in use by process ${holder.pid}. ` +
            'Stop it, or set DATA_DIR to another folder.',
        );
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${lockPath}`);
}
