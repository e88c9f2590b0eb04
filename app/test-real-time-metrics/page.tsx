import type { Metadata } from 'next';
import type { Expose } from '@/lib/contracts/core';
import { isExposeId } from '@/lib/contracts/core';
import { DomainError } from '@/lib/server/domain/errors';
import { getExpose, listExposes } from '@/lib/server/domain/exposes';
import { requestSessionId } from '@/lib/server/pages/request-session';
import { getContainer } from '@/lib/server/runtime';
import { MetricsConsole } from './MetricsConsole';

// Live data, read per request (and the build must never open the database).
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: 'Metrics debug console',
  robots: { index: false, follow: false },
};

type Props = { searchParams: Promise<{ expose?: string | string[] }> };

/** `?expose=id` preselects an expose; one that is not in the feed (older, expired) is loaded by id. */
async function loadExposes(wanted: string | undefined, sessionId: string | undefined): Promise<Expose[]> {
  const container = getContainer();
  const { exposes } = await listExposes(container, { limit: 50, sessionId });
  if (!wanted || !isExposeId(wanted) || exposes.some((e) => e.exposeId === wanted)) return exposes;
  try {
    return [await getExpose(container, wanted, sessionId), ...exposes];
  } catch (err) {
    if (err instanceof DomainError && err.code === 'not_found') return exposes;
    throw err;
  }
}

export default async function TestRealTimeMetricsPage({ searchParams }: Props) {
  const param = (await searchParams).expose;
  const wanted = Array.isArray(param) ? param[0] : param;
  const exposes = await loadExposes(wanted, await requestSessionId());
  const initial = exposes.find((e) => e.exposeId === wanted) ?? exposes[0];
  return <MetricsConsole exposes={exposes} initialExposeId={initial?.exposeId ?? null} />;
}
