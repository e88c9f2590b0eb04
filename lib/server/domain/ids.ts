import { randomBytes } from 'node:crypto';

/** Short random URL-safe ids: 12 characters, 72 bits. */
export const newExposeId = (): string => randomBytes(9).toString('base64url');

/** Comment ids sort nowhere by themselves (pages order by created_at, id); 96 random bits. */
export const newCommentId = (): string => randomBytes(12).toString('base64url');
