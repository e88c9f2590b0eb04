import type { WriteResult } from '@/lib/server/store/port';
import { expired, notFound } from './errors';

/** A write's result, or the 404/410 that explains why nothing was written. */
export function assertWritable<R extends Pick<WriteResult, 'open'>>(result: R | null): R {
  if (!result) throw notFound();
  if (!result.open) throw expired();
  return result;
}
