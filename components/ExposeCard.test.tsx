// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { metrics } from '@/lib/metrics-client/testing/fake-fetch';
import { ExposeCard, type ExposeCardProps } from './ExposeCard';

const NOW = Date.parse('2024-05-10T12:00:00.000Z');
const expose = {
  exposeId: 'abc',
  title: 'The title',
  body: 'Body text',
  createdAt: '2024-05-10T09:00:00.000Z',
  expiresAt: '2024-05-10T15:00:00.000Z',
  expired: false,
};
const base: ExposeCardProps = { expose, metrics: metrics({ views: 10, comments: 2, upvotes: 5, downvotes: 1, shares: 3 }), myVote: 'upvote', now: NOW };
const renderCard = (p: Partial<ExposeCardProps> = {}) => render(<ExposeCard {...base} {...p} />);

afterEach(cleanup);

describe('ExposeCard', () => {
  it('shows the six numbers, each alone in its data-metric element', () => {
    const { container } = renderCard();
    const values = Object.fromEntries(
      [...container.querySelectorAll('[data-metric]')].map((el) => [el.getAttribute('data-metric'), el.textContent]),
    );
    expect(values).toEqual({ views: '10', comments: '2', upvotes: '5', downvotes: '1', netVotes: '4', shares: '3' });
    expect(container.querySelector('article')?.getAttribute('data-expose-id')).toBe('abc');
  });

  it('links the title, and shows age and time left', () => {
    renderCard();
    expect(screen.getByRole('link', { name: 'The title' }).getAttribute('href')).toBe('/expose/abc');
    expect(screen.getByText('3h ago')).toBeTruthy();
    expect(screen.getByText('expires in 3h')).toBeTruthy();
  });

  it('has buttons named exactly Upvote, Downvote, Share; votes carry aria-pressed', () => {
    const onUpvote = vi.fn();
    const onDownvote = vi.fn();
    const onShare = vi.fn();
    renderCard({ onUpvote, onDownvote, onShare });
    const up = screen.getByRole('button', { name: 'Upvote' });
    const down = screen.getByRole('button', { name: 'Downvote' });
    expect(up.getAttribute('aria-pressed')).toBe('true');
    expect(down.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(up);
    fireEvent.click(down);
    fireEvent.click(screen.getByRole('button', { name: 'Share' }));
    expect([onUpvote, onDownvote, onShare].map((f) => f.mock.calls.length)).toEqual([1, 1, 1]);
  });

  it('has one vote control: the pressed vote says how to undo it, the other does not', () => {
    renderCard();
    const up = screen.getByRole('button', { name: 'Upvote' });
    expect(up.getAttribute('aria-pressed')).toBe('true');
    const described = document.getElementById(up.getAttribute('aria-describedby') ?? '');
    expect(described?.textContent).toBe('Click again to undo your vote.');
    expect(screen.getByRole('button', { name: 'Downvote' }).getAttribute('aria-describedby')).toBeNull();
    const group = screen.getByRole('group', { name: 'Vote' });
    expect(within(group).getByText('4').getAttribute('data-metric')).toBe('netVotes');
  });

  it('links "N comments" to the comments, and leaves zero counts uncoloured', () => {
    const { container } = renderCard({ metrics: metrics({ views: 1, comments: 0, upvotes: 0, downvotes: 0, shares: 0 }) });
    const link = screen.getByRole('link', { name: '0 comments' });
    expect(link.getAttribute('href')).toBe('/expose/abc#comments');
    expect(container.querySelector('.ec-card__secondary')?.textContent).toBe('1 view · 0 shares · 0 up, 0 down');
    for (const name of ['comments', 'upvotes', 'downvotes', 'shares']) {
      expect(container.querySelector(`[data-metric="${name}"]`)?.className, name).toContain('ec-n--zero');
    }
    expect(container.querySelector('[data-metric="views"]')?.className).not.toContain('ec-n--zero');
    expect(container.querySelector('[data-metric="netVotes"]')?.className).toContain('ec-score--zero');
  });

  it('shows a quiet syncing indicator while something is unconfirmed', () => {
    const { rerender } = renderCard({ pendingCount: 1 });
    expect(screen.getByRole('status').textContent).toBe('syncing…');
    rerender(<ExposeCard {...base} pendingCount={0} />);
    expect(screen.getByRole('status').textContent).toBe('');
  });

  it('shows an alert with Retry when an action finally failed', () => {
    const onRetry = vi.fn();
    const onDismissError = vi.fn();
    renderCard({ error: { kind: 'vote', code: 'unavailable' }, onRetry, onDismissError });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Your vote could not be saved.');
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    fireEvent.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(onRetry).toHaveBeenCalledOnce();
    expect(onDismissError).toHaveBeenCalledOnce();
  });

  it('says expired / no expiry and disables actions on an expired expose', () => {
    renderCard({ expose: { ...expose, expired: true } });
    expect(screen.getByText('expired')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Upvote' }) as HTMLButtonElement).disabled).toBe(true);
    cleanup();
    renderCard({ expose: { ...expose, expiresAt: null } });
    expect(screen.getByText('no expiry')).toBeTruthy();
  });

  it('renders the page mode with an h1 and the full body as text', () => {
    renderCard({ mode: 'page', expose: { ...expose, body: '<b>not bold</b>' } });
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('The title');
    expect(screen.getByText('<b>not bold</b>')).toBeTruthy();
  });

  it('marks each number our unsynced changes moved, with a symbol and words (not only colour)', () => {
    const { container } = renderCard({ pendingCount: 2, pendingMetrics: ['shares', 'upvotes', 'netVotes'] });
    const marked = [...container.querySelectorAll('[data-pending-metric]')].map((el) => el.getAttribute('data-pending-metric'));
    expect(marked.sort()).toEqual(['netVotes', 'shares', 'upvotes']);
    for (const el of container.querySelectorAll('[data-pending-metric]')) expect(el.textContent).toContain('(pending)');
    expect(container.querySelector('[data-metric="shares"]')?.textContent).toBe('3');
  });

  it('says why an op that waited offline for more than 24 h was dropped', () => {
    renderCard({ error: { kind: 'vote', code: 'offline_expired' } });
    expect(screen.getByRole('alert').textContent).toContain('waited offline for more than 24 hours');
  });
});
