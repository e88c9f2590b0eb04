import { randomBytes } from 'node:crypto';
import type { Store } from '@/lib/server/store/port';

/** An expose inserted straight into the store; `expiresAt` in the past makes an expired one. */
export async function seedExpose(store: Store, opts: { id?: string; expiresAt?: Date | null } = {}): Promise<string> {
  const id = opts.id ?? `t_${randomBytes(6).toString('hex')}`;
  await store.insertExpose({ id, title: `title ${id}`, body: 'body', expiresAt: opts.expiresAt ?? null });
  return id;
}

export const metricsOf = async (store: Store, id: string) => {
  const row = await store.findExpose(id);
  if (!row) throw new Error(`no expose ${id}`);
  return {
    views: row.views,
    comments: row.comments,
    upvotes: row.upvotes,
    downvotes: row.downvotes,
    shares: row.shares,
    version: row.version,
  };
};
