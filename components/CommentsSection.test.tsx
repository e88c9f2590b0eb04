// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Comment } from '@/lib/contracts/comments';
import { MetricsEngineProvider } from '@/lib/hooks/MetricsEngineProvider';
import { errorBody, json, snap, type FakeCall } from '@/lib/metrics-client/testing/fake-fetch';
import { makeEngine } from '@/lib/metrics-client/testing/make-engine';
import { CommentsSection } from './CommentsSection';

const c = (id: string, body: string): Comment => ({ id, exposeId: 'abc', body, authorName: 'Ann', createdAt: '2024-05-10T11:00:00.000Z' });
const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));
const gets = (calls: FakeCall[]) => calls.filter((x) => x.method === 'GET');
const items = () => screen.getAllByRole('listitem').map((li) => li.querySelector('.ec-comment__body')?.textContent);

function setup(strict = false) {
  const t = makeEngine();
  t.engine.register(snap('abc', 10, { comments: 3 }, null));
  const tree = (
    <MetricsEngineProvider engine={t.engine}>
      <CommentsSection exposeId="abc" pageSize={2} />
    </MetricsEngineProvider>
  );
  render(strict ? <StrictMode>{tree}</StrictMode> : tree);
  return t;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('CommentsSection', () => {
  it('loads newest first and pages on with "Load more" (cursor); StrictMode double loads show each comment once', async () => {
    const { fake } = setup(true);
    await advance(0);
    const first = gets(fake.calls);
    expect(first.every((x) => x.url === '/api/expose/comments?exposeId=abc&limit=2')).toBe(true);
    await act(async () => first.forEach((x) => x.respond(json(200, { comments: [c('3', 'third'), c('2', 'second')], nextCursor: 'k2' }))));
    expect(items()).toEqual(['third', 'second']);
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(fake.last().url).toBe('/api/expose/comments?exposeId=abc&limit=2&cursor=k2');
    await act(async () => fake.last().respond(json(200, { comments: [c('1', 'first')], nextCursor: null })));
    expect(items()).toEqual(['third', 'second', 'first']);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('shows a new comment at once as pending, moves the count, and keeps it after the server confirms', async () => {
    const { fake } = setup();
    await act(async () => fake.last().respond(json(200, { comments: [c('1', 'old')], nextCursor: null })));
    expect(screen.getByRole('heading', { name: /Comments/ }).textContent).toBe('Comments (3)');
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'brand new' } });
    fireEvent.change(screen.getByLabelText('Name (optional)'), { target: { value: 'Bo' } });
    fireEvent.click(screen.getByRole('button', { name: 'Post comment' }));
    expect(items()).toEqual(['brand new', 'old']);
    expect(screen.getByText('sending…')).toBeTruthy();
    expect(screen.getByRole('heading', { name: /Comments/ }).textContent).toBe('Comments (4)');
    expect((screen.getByLabelText('Comment') as HTMLTextAreaElement).value).toBe('');
    const post = fake.last();
    expect(post.body).toEqual({ exposeId: 'abc', body: 'brand new', authorName: 'Bo' });
    await act(async () => post.respond(json(201, { ...snap('abc', 11, { comments: 4 }), comment: { ...c('9', 'brand new'), authorName: 'Bo' } })));
    expect(items()).toEqual(['brand new', 'old']);
    expect(screen.queryByText('sending…')).toBeNull();
    expect(screen.getByRole('heading', { name: /Comments/ }).textContent).toBe('Comments (4)');
  });

  it('renders comment text as text, never as HTML', async () => {
    const { fake } = setup();
    await act(async () => fake.last().respond(json(200, { comments: [c('1', '<img src=x onerror=alert(1)><b>hi</b>')], nextCursor: null })));
    const li = screen.getByRole('listitem');
    expect(li.querySelector('img, b')).toBeNull();
    expect(within(li).getByText('<img src=x onerror=alert(1)><b>hi</b>')).toBeTruthy();
  });

  it('refuses an empty comment with a field error', async () => {
    const { fake } = setup();
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: '   ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Post comment' }));
    expect(screen.getByText('Write something first.')).toBeTruthy();
    expect(fake.calls.filter((x) => x.method === 'POST')).toHaveLength(0);
  });

  it('rolls a failed comment back, says so, and Retry re-sends it with the same key', async () => {
    const { fake } = setup();
    await act(async () => fake.last().respond(json(200, { comments: [], nextCursor: null })));
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'oops' } });
    fireEvent.click(screen.getByRole('button', { name: 'Post comment' }));
    const post = fake.last();
    await act(async () => post.respond(json(400, errorBody('invalid_input'))));
    expect(screen.queryByText('oops')).toBeNull();
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Your comment could not be posted.');
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(screen.getByText('oops')).toBeTruthy();
    expect(fake.last().headers['Idempotency-Key']).toBe(post.headers['Idempotency-Key']);
  });

  it('offers "Try again" when a page fails to load', async () => {
    const { fake } = setup();
    await act(async () => fake.last().respond(json(400, errorBody('invalid_input'))));
    expect(screen.getByText('Comments could not be loaded.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(gets(fake.calls)).toHaveLength(2);
  });
});
