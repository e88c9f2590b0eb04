/** The storage port: everything the domain may ask of the system of record. */

export interface CounterRow {
  views: number;
  comments: number;
  upvotes: number;
  downvotes: number;
  shares: number;
  version: number;
}

export interface ExposeRow extends CounterRow {
  id: string;
  title: string;
  body: string;
  createdAt: Date;
  expiresAt: Date | null;
}

export interface NewExpose {
  id: string;
  title: string;
  body: string;
  expiresAt: Date | null;
}

export interface FeedCursor {
  createdAt: Date;
  id: string;
}

export interface ExposeStore {
  /** A real round trip to the database. */
  ping(): Promise<void>;
  insertExpose(input: NewExpose): Promise<ExposeRow>;
  /** Newest first, expired ones left out, strictly after `cursor` when given. */
  listFeed(opts: { now: Date; limit: number; after?: FeedCursor }): Promise<ExposeRow[]>;
  findExpose(id: string): Promise<ExposeRow | null>;
  /** The caller's vote value (-1/0/+1) per expose, for the ids that have one. */
  findVotes(sessionId: string, exposeIds: readonly string[]): Promise<Map<string, number>>;
  countExposes(): Promise<number>;
}

export type Store = ExposeStore & { readonly kind: 'pglite' | 'postgres'; close(): Promise<void> };
