'use client';

import { useState } from 'react';
import { useMetricsEngine } from '@/lib/hooks/MetricsEngineProvider';
import { shareLink } from './share-link';

/**
 * Shown once on a new expose's page right after publishing: the moment to pass the link on. Copying
 * (or the system share sheet) counts as a share, like the card's Share button.
 */
export function PublishedNotice({ exposeId, title }: { exposeId: string; title: string }) {
  const engine = useMetricsEngine();
  const [note, setNote] = useState<string | null>(null);
  const share = async () => {
    const url = new URL(`/expose/${encodeURIComponent(exposeId)}`, window.location.origin).toString();
    const outcome = await shareLink({ title, url }, navigator);
    if ('channel' in outcome) {
      setNote(outcome.copied ? 'Link copied. Paste it anywhere.' : 'Shared.');
      void engine.share(exposeId, outcome.channel);
    } else if ('failed' in outcome) {
      setNote(`Copy this link: ${url}`);
    }
  };
  return (
    <div className="ec-published" role="status">
      <p className="ec-published__text">
        <strong>Published.</strong> It is live in the feed now; share it so people see it.
      </p>
      <button type="button" className="ec-button ec-button--primary" onClick={() => void share()}>
        Copy link
      </button>
      {note && <p className="ec-published__note">{note}</p>}
    </div>
  );
}
