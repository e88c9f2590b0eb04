import type { EngineEvent, PendingOp } from '@/lib/metrics-client';
import type { Fault } from '@/lib/metrics-client/debug';

/** The first block of a UUID: enough to tell ops apart on one page. */
export const shortId = (id: string | undefined): string => (id ? id.slice(0, 8) : '-');

/** 14:03:07.412, local time. */
export function clockTime(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

const voteLabel = (target: string | null) => target ?? 'none';

/** One line of the event log; the event type is shown next to it. */
export function describeEvent(e: EngineEvent): string {
  const op = 'opId' in e && e.opId ? ` · op ${shortId(e.opId)}` : '';
  switch (e.type) {
    case 'op_queued':
      return `${e.kind} on ${e.exposeId}${op}`;
    case 'op_merged':
      return `click merged, vote target now ${voteLabel(e.target)}${op}`;
    case 'op_dropped':
      return e.reason === 'merged' ? `vote not sent: a later vote replaced it${op}` : `vote not sent: clicks cancelled out${op}`;
    case 'waiting_online':
      return `${e.path}: offline, waiting for the network (no retry spent)${op}`;
    case 'request_sent':
      return `${e.method} ${e.path} · attempt ${e.attempt}${op}`;
    case 'retry_scheduled':
      return `${e.path}: attempt ${e.attempt} failed (${e.code}), retry in ${e.delayMs} ms${op}`;
    case 'challenge_solved':
      return `${e.path}: proof of work ${e.ok ? 'solved' : 'not solved'} in ${Math.round(e.ms)} ms${op}`;
    case 'ack':
      return `${e.kind} confirmed at version ${e.version}${op}`;
    case 'failure':
      return `${e.kind} failed for good (${e.code}): ${e.message}${op}`;
    case 'refresh':
      return `${e.ids.length} expose(s) ${e.ok ? 'refreshed' : `not refreshed (${e.code ?? 'failed'})`}`;
    case 'snapshot':
      return `${e.exposeId} version ${e.version} from ${e.source}`;
    case 'queued_offline':
      return `${e.kind} on ${e.exposeId} waits for the network${op}`;
    case 'synced':
      return 'all queued changes synced';
    case 'dropped_expired':
      return `${e.kind} on ${e.exposeId} dropped: older than 24 h${op}`;
    case 'exposure':
      return `exposed to ${e.variant} of experiment ${e.experiment}`;
  }
}

/** What the op asks the server for, in a few words. */
export function describeOp(op: PendingOp): string {
  switch (op.kind) {
    case 'vote':
      return `vote → ${voteLabel(op.payload.target)}`;
    case 'view':
      return 'view';
    case 'share':
      return `share (${op.payload.channel})`;
    case 'comment': {
      const body = op.payload.body.length > 40 ? `${op.payload.body.slice(0, 40)}…` : op.payload.body;
      return `comment “${body}”`;
    }
  }
}

export function describeFault(f: Fault): string {
  switch (f.type) {
    case 'network':
      return 'network error';
    case 'hang':
      return 'no answer (until the timeout)';
    case 'status':
      return `HTTP ${f.status}${f.retryAfterSeconds !== undefined ? `, Retry-After ${f.retryAfterSeconds} s` : ''}`;
  }
}
