import type { ShareChannel } from '@/lib/contracts/core';

export type ShareOutcome = { channel: ShareChannel; copied: boolean } | { cancelled: true } | { failed: true };

type ShareNavigator = Pick<Navigator, 'clipboard'> & { share?: (data: ShareData) => Promise<void> };

/** The system share sheet where there is one, else copying the link. Counted only when it worked. */
export async function shareLink(data: { title: string; url: string }, nav: ShareNavigator): Promise<ShareOutcome> {
  if (typeof nav.share === 'function') {
    try {
      await nav.share(data);
      return { channel: 'other', copied: false };
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') return { cancelled: true };
      // NotAllowedError and friends: fall back to copying.
    }
  }
  try {
    await nav.clipboard.writeText(data.url);
    return { channel: 'link', copied: true };
  } catch {
    return { failed: true };
  }
}
