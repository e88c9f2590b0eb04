import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { CommentsSection } from '@/components/CommentsSection';
import { PublishedNotice } from '@/components/PublishedNotice';
import { RealTimeExposeCard } from '@/components/RealTimeExposeCard';
import { isExposeId } from '@/lib/contracts/core';
import { DomainError } from '@/lib/server/domain/errors';
import { getExpose } from '@/lib/server/domain/exposes';
import { listComments } from '@/lib/server/domain/comments';
import { requestSessionId } from '@/lib/server/pages/request-session';
import { getContainer } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';

type Props = {
  params: Promise<{ exposeId: string }>;
  /** `?published=1`: we just came from /new (NewExposeForm), so offer to share the link. */
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

async function load(exposeId: string) {
  if (!isExposeId(exposeId)) notFound();
  try {
    return await getExpose(getContainer(), exposeId, await requestSessionId());
  } catch (err) {
    if (err instanceof DomainError && err.code === 'not_found') notFound();
    throw err;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const expose = await load((await params).exposeId);
  return { title: expose.title, description: expose.body.slice(0, 160) };
}

export default async function ExposePage({ params, searchParams }: Props) {
  const expose = await load((await params).exposeId);
  const justPublished = (await searchParams).published === '1' && !expose.expired;
  const comments = await listComments(getContainer(), { exposeId: expose.exposeId, limit: 20 });
  const now = getContainer().now().getTime();
  return (
    <div className="ec-expose-page">
      {justPublished && <PublishedNotice exposeId={expose.exposeId} title={expose.title} />}
      <RealTimeExposeCard expose={expose} mode="page" now={now} />
      <CommentsSection
        exposeId={expose.exposeId}
        disabled={expose.expired}
        initialComments={comments.comments}
        initialNextCursor={comments.nextCursor}
      />
    </div>
  );
}
