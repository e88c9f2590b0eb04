import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureCpu } from './cpu';
import type { LoadResult } from './load';

/**
 * The same write scenarios as load.ts, driven by wrk (Debian's `wrk`, a C load generator that costs
 * the shared cores far less per request than autocannon, so the server gets more of them).
 *
 * Exact counts with a duration-based tool: every wrk thread sends its share of `amount` writes,
 * then only cheap `GET /api/health` requests until all its writes are answered, and stops there.
 * wrk sends a connection's next request only after the previous response, so when a thread stops,
 * every write it sent has been answered: the counters must equal the 2xx write replies. The rate
 * is writes answered / time to the thread that finished last (the health tail is counted in the
 * latency percentiles, not in the rate; it is at most one request per connection in flight).
 */
export interface WrkSpec {
  name: string;
  url: string;
  connections: number;
  /** Writes in all (split evenly over the threads). */
  amount: number;
  path: string;
  /** The JSON body's `exposeId` cycles through these. */
  targets: readonly string[];
  /** Extra JSON fields of every body (e.g. `{ voteType: 'upvote' }`). */
  extra?: Record<string, string>;
  threads?: number;
  serverPid?: number;
}

const lua = (spec: WrkSpec, perThread: number) => `
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_usec; } ec_timeval; int gettimeofday(ec_timeval *tv, void *tz); ]]
local function now_us()
  local tv = ffi.new("ec_timeval")
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000000 + tonumber(tv.tv_usec)
end
local targets = { ${spec.targets.map((t) => JSON.stringify(t)).join(', ')} }
local extra = ${JSON.stringify(Object.entries(spec.extra ?? {}).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join(''))}
local quota = ${perThread}
local all = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(all, thread)
end

function init(args)
  sent = 0
  answered = 0
  ok = 0
  -- wrk calls thread 0's request() once right after init() to inspect it, and never sends that
  -- request: it must not use up a write.
  verifying = (id == 0)
end

function request()
  if verifying then
    verifying = false
    return wrk.format("GET", "/api/health")
  end
  if started == nil then started = now_us() end
  if sent >= quota then
    return wrk.format("GET", "/api/health")
  end
  local n = id * quota + sent
  sent = sent + 1
  local body = '{"exposeId":"' .. targets[(n % #targets) + 1] .. '"' .. extra .. '}'
  return wrk.format("POST", "${spec.path}", {
    ["Content-Type"] = "application/json",
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 wrk/" .. n,
  }, body)
end

function response(status, headers, body)
  -- Responses come back in request order on each connection; a health reply is recognised by
  -- its body, the writes' replies carry "metrics".
  if string.find(body, '"metrics"', 1, true) or status >= 300 then
    answered = answered + 1
    if status >= 200 and status < 300 then ok = ok + 1 end
    if answered == quota then
      finished = now_us()
      io.write("WRK_THREAD_DONE\\n")
      io.flush()
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local answered_all, ok_all, first, last = 0, 0, nil, 0
  for _, t in ipairs(all) do
    answered_all = answered_all + (t:get("answered") or 0)
    ok_all = ok_all + (t:get("ok") or 0)
    local s, f = t:get("started"), t:get("finished")
    if s and (first == nil or s < first) then first = s end
    if f and f > last then last = f end
  end
  local f = io.open("/proc/self/stat", "r")
  local stat = f:read("*a")
  f:close()
  local rest = string.sub(stat, string.find(stat, ")", 1, true) + 2)
  local fields = {}
  for w in string.gmatch(rest, "%S+") do table.insert(fields, w) end
  io.write(string.format('WRK_RESULT {"answered":%d,"ok":%d,"requests":%d,"durationUs":%d,"p50":%.3f,"p99":%.3f,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"cpuTicks":%d}\\n',
    answered_all, ok_all, summary.requests, last - (first or last), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    tonumber(fields[12]) + tonumber(fields[13])))
end
`;

interface WrkOutput {
  answered: number;
  ok: number;
  requests: number;
  durationUs: number;
  p50: number;
  p99: number;
  connectErrors: number;
  readErrors: number;
  writeErrors: number;
  timeouts: number;
  cpuTicks: number;
}

/** One bounded wrk run of `amount` writes (at most `maxSeconds`); the reply counts are exact when it ends before that. */
export async function runWrk(spec: WrkSpec, maxSeconds = 120): Promise<LoadResult> {
  const threads = spec.threads ?? 2;
  const perThread = Math.ceil(spec.amount / threads);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ec-wrk-'));
  const script = path.join(dir, 'writes.lua');
  writeFileSync(script, lua(spec, perThread));
  const cpu = spec.serverPid ? measureCpu(spec.serverPid) : null;
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', ['-t', String(threads), '-c', String(spec.connections), '-d', `${maxSeconds}s`, '--timeout', '10s', '-s', script, spec.url], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      let interrupted = false;
      // wrk runs for its whole -d even when every thread stopped: interrupt it (it then reports)
      // once each thread said it is done.
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (!interrupted && out.split('WRK_THREAD_DONE').length - 1 >= threads) interrupted = child.kill('SIGINT');
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited with ${code}: ${out}`))));
    });
    const line = stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
    if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
    const r = JSON.parse(line.slice('WRK_RESULT '.length)) as WrkOutput;
    const seconds = r.durationUs / 1e6;
    const split = cpu?.(r.answered);
    return {
      name: spec.name,
      connections: spec.connections,
      durationSec: Math.round(seconds * 10) / 10,
      reqPerSec: Math.round(r.answered / seconds),
      p50: Math.round(r.p50 * 100) / 100,
      p99: Math.round(r.p99 * 100) / 100,
      ok: r.ok,
      non2xx: r.answered - r.ok,
      errors: r.connectErrors + r.readErrors + r.writeErrors + r.timeouts,
      // wrk's own CPU (read from /proc/self/stat in its done()), in place of this process's.
      ...(split ? { cpu: { ...split, loadgen: Math.round((r.cpuTicks * 10 * 1000) / Math.max(1, r.answered)) } } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
