import { invalidInput } from './errors';

/**
 * Opaque keyset cursors: (createdAt, id) of the last item, base64url-encoded. A cursor that does
 * not decode to exactly that shape is a 400, never a 500.
 */
export interface KeysetCursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(c: KeysetCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id]), 'utf8').toString('base64url');
}

export function decodeCursor(raw: string): KeysetCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [iso, id] = parsed as unknown[];
      if (typeof iso === 'string' && typeof id === 'string' && id.length > 0 && id.length <= 64) {
        const createdAt = new Date(iso);
        if (!Number.isNaN(createdAt.getTime()) && createdAt.toISOString() === iso) return { createdAt, id };
      }
    }
  } catch {
    // fall through to the 400 below
  }
  throw invalidInput('cursor is invalid');
}

/**
 * Feed cursors. "new" keeps the plain (createdAt, id) cursor above; "top" adds the net votes and
 * "hot" the stored rank of the last row, tagged so that a cursor of one order is refused by another.
 * Votes move rows between pages while someone pages: a row can show twice (the page adds each id
 * once) or be passed over, as on every ranked feed that pages by key.
 */
export type FeedCursorValue =
  | { sort: 'new'; createdAt: Date; id: string }
  | { sort: 'top'; netVotes: number; createdAt: Date; id: string }
  | { sort: 'hot'; hotRank: number; id: string };

export function encodeFeedCursor(c: FeedCursorValue): string {
  if (c.sort === 'new') return encodeCursor(c);
  const parts = c.sort === 'top' ? ['t', c.netVotes, c.createdAt.toISOString(), c.id] : ['h', c.hotRank, c.id];
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

export function decodeFeedCursor(raw: string, sort: FeedCursorValue['sort']): FeedCursorValue {
  if (sort === 'new') return { sort, ...decodeCursor(raw) };
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed[0] === sort[0]) {
      const [, key, ...rest] = parsed as unknown[];
      if (typeof key === 'number' && Number.isFinite(key)) {
        if (sort === 'hot' && rest.length === 1 && validId(rest[0])) return { sort, hotRank: key, id: rest[0] };
        if (sort === 'top' && rest.length === 2 && Number.isSafeInteger(key) && validId(rest[1])) {
          const createdAt = validDate(rest[0]);
          if (createdAt) return { sort, netVotes: key, createdAt, id: rest[1] };
        }
      }
    }
  } catch {
    // fall through to the 400 below
  }
  throw invalidInput('cursor is invalid');
}

const validId = (id: unknown): id is string => typeof id === 'string' && id.length > 0 && id.length <= 64;
function validDate(iso: unknown): Date | null {
  if (typeof iso !== 'string') return null;
  const d = new Date(iso);
  return !Number.isNaN(d.getTime()) && d.toISOString() === iso ? d : null;
}
