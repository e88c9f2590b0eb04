import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time spent during a load run, split by who spent it: the app server (its process and any
 * cluster workers), PostgreSQL, Redis and the load generator (this process). Linux only: read
 * from /proc (user + system ticks of 10 ms), so short runs are coarse. Tells what limits a run
 * when everything shares the same cores.
 */
export interface CpuSplit {
  server: number;
  postgres: number;
  redis: number;
  loadgen: number;
}

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  ms: number;
}

function readProcs(): Proc[] {
  const procs: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      // Fields after "(comm) ": state ppid … utime(12th) stime(13th), in clock ticks (100/s).
      procs.push({ pid: Number(entry), ppid: Number(f[1]), comm, ms: (Number(f[11]) + Number(f[12])) * 10 });
    } catch {
      // the process ended while we looked
    }
  }
  return procs;
}

function snapshot(serverPid: number): CpuSplit {
  const procs = readProcs();
  const server = new Set([serverPid]);
  // Cluster workers are children of the server process.
  for (const p of procs) if (server.has(p.ppid)) server.add(p.pid);
  const sum = (pick: (p: Proc) => boolean) => procs.filter(pick).reduce((s, p) => s + p.ms, 0);
  const self = process.cpuUsage();
  return {
    server: sum((p) => server.has(p.pid)),
    postgres: sum((p) => p.comm === 'postgres'),
    redis: sum((p) => p.comm === 'redis-server'),
    loadgen: (self.user + self.system) / 1000,
  };
}

/** Starts measuring; the returned function gives the CPU µs per request of each party. */
export function measureCpu(serverPid: number): (requests: number) => CpuSplit {
  const before = snapshot(serverPid);
  return (requests) => {
    const after = snapshot(serverPid);
    const per = (k: keyof CpuSplit) => Math.round(((after[k] - before[k]) * 1000) / Math.max(1, requests));
    return { server: per('server'), postgres: per('postgres'), redis: per('redis'), loadgen: per('loadgen') };
  };
}
