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
