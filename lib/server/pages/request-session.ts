import { headers } from 'next/headers';
import { SESSION_HEADER } from '@/lib/server/session-header';

/** The caller's session id, set by the Fastify front door on every request it hands to Next. */
export async function requestSessionId(): Promise<string | undefined> {
  return (await headers()).get(SESSION_HEADER) ?? undefined;
}
