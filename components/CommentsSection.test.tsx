// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Comment } from '@/lib/contracts/core';
import { MetricsEngineProvider } from '@/lib/hooks/MetricsEngineProvider';
import type { LiveEventSource } from '@/lib/metrics-client/live-source';
import { errorBody, json, snap, type FakeCall } from '@/lib/metrics-client/testing/fake-fetch';
import { makeEngine } from '@/lib/metrics-client/testing/make-engine';
import { CommentsSection } from './CommentsSection';

const c = (id: string, body: string): Comment => ({ id, exposeId: 'abc', body, authorName: 'Ann', createdAt: '2024-05-10T11:00:00.000Z' });
const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));
const gets = (calls: FakeCall[]) => calls.filter((x) => x.method === 'GET');
const items = () => screen.getAllByRole('listitem').map((li) => li.querySelector('.ec-comment__body')?.textContent);
const box = () => screen.getByLabelText('Comment') as HTMLTextAreaElement;

type Listener = (event: { data?: unknown }) => void;
/** A fake EventSource class; the test plays the server. */
function fakeEventSources() {
  const instances: FakeSource[] = [];
  class FakeSource implements LiveEventSource {
    private readonly listeners = new Map<string, Listener[]>();
    constructor(readonly url: string) {
      instances.push(this);
    }
    addEventListener(type: string, listener: Listener): void {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
    }
    close(): void {}
    send(type: string, data: unknown): void {
      for (const l of this.listeners.get(type) ?? []) l({ data: JSON.stringify(data) });
    }
  }
  return { EventSource: FakeSource, last: () => instances.at(-1)! };
}

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
    // The box keeps the text until the server has it; the button says it is on its way.
    expect(box().value).toBe('brand new');
    expect(screen.getByRole('button', { name: 'Posting…' })).toHaveProperty('disabled', true);
    await advance(0);
    const post = fake.last();
    expect(post.body).toEqual({ exposeId: 'abc', body: 'brand new', authorName: 'Bo' });
    await act(async () => post.respond(json(201, { ...snap('abc', 11, { comments: 4 }), comment: { ...c('9', 'brand new'), authorName: 'Bo' } })));
    expect(items()).toEqual(['brand new', 'old']);
    expect(box().value).toBe('');
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

  it('keeps a failed comment in the box and in the list as "not sent"; Retry re-sends it with the same key', async () => {
    const { fake } = setup();
    await act(async () => fake.last().respond(json(200, { comments: [], nextCursor: null })));
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'oops' } });
    fireEvent.click(screen.getByRole('button', { name: 'Post comment' }));
    await advance(0);
    const post = fake.last();
    await act(async () => post.respond(json(400, errorBody('invalid_input'))));
    expect(box().value).toBe('oops');
    expect(items()).toEqual(['oops']);
    expect(screen.getByText('not sent')).toBeTruthy();
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Your comment could not be posted.');
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(screen.getByText('sending…')).toBeTruthy();
    await advance(0);
    const retry = fake.last();
    expect(retry.headers['Idempotency-Key']).toBe(post.headers['Idempotency-Key']);
    await act(async () => retry.respond(json(201, { ...snap('abc', 11, { comments: 4 }), comment: c('9', 'oops') })));
    expect(items()).toEqual(['oops']);
    expect(box().value).toBe('');
  });

  it('posting the unchanged text again after a failure retries that comment; Discard empties box and list', async () => {
    const { fake } = setup();
    await act(async () => fake.last().respond(json(200, { comments: [], nextCursor: null })));
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'twice?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Post comment' }));
    await advance(0);
    const post = fake.last();
    await act(async () => post.respond(json(400, errorBody('invalid_input'))));
    fireEvent.click(screen.getByRole('button', { name: 'Post comment' }));
    await advance(0);
    expect(fake.last().headers['Idempotency-Key']).toBe(post.headers['Idempotency-Key']);
    expect(items()).toEqual(['twice?']);
    await act(async () => fake.last().respond(json(400, errorBody('invalid_input'))));
    fireEvent.click(screen.getByRole('button', { name: 'Discard' }));
    expect(box().value).toBe('');
    expect(screen.queryByRole('listitem')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows comments from the live stream at once, in page order, and our own echo only once', async () => {
    const es = fakeEventSources();
    const t = makeEngine({ eventSource: es.EventSource });
    t.engine.register(snap('abc', 10, { comments: 1 }, null));
    render(
      <MetricsEngineProvider engine={t.engine}>
        <CommentsSection exposeId="abc" initialComments={[c('1', 'old')]} initialNextCursor="k1" />
      </MetricsEngineProvider>,
    );
    await advance(1_000); // the stream opens after the registration settles
    const live = (x: Comment) => act(() => es.last().send('comment', x));
    await live({ ...c('5', 'from elsewhere'), createdAt: '2024-05-10T12:00:00.000Z' });
    await live({ ...c('4', 'a bit earlier'), createdAt: '2024-05-10T11:30:00.000Z' });
    await live({ ...c('5', 'from elsewhere'), createdAt: '2024-05-10T12:00:00.000Z' }); // a duplicate
    expect(items()).toEqual(['from elsewhere', 'a bit earlier', 'old']);

    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: ' mine ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Post comment' }));
    await advance(0);
    const post = t.fake.calls.find((x) => x.method === 'POST')!;
    // The server publishes before it answers: our own comment comes back live first.
    const stored = { ...c('9', 'mine'), authorName: 'Anonymous', createdAt: '2024-05-10T13:00:00.000Z' };
    await live(stored);
    expect(items()).toEqual([' mine ', 'from elsewhere', 'a bit earlier', 'old']);
    await act(async () => post.respond(json(201, { ...snap('abc', 14, { comments: 4 }), comment: stored })));
    expect(items()).toEqual(['mine', 'from elsewhere', 'a bit earlier', 'old']);
    // "Load more" still follows the loaded pages' cursor.
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(t.fake.last().url).toBe('/api/expose/comments?exposeId=abc&limit=20&cursor=k1');
  });

  it('offers "Try again" when a page fails to load', async () => {
    const { fake } = setup();
    await act(async () => fake.last().respond(json(400, errorBody('invalid_input'))));
    expect(screen.getByText('Comments could not be loaded.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(gets(fake.calls)).toHaveLength(2);
  });
});
