import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeText } from '@/lib/contracts/text';
import { createTestApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { seedExpose } from '../helpers/fixtures';

const json = { 'content-type': 'application/json' };
const ROCKET = '\u{1F680}'; // 4 bytes in UTF-8, 2 UTF-16 units, 1 code point

// Hostile pieces the property test injects into arbitrary Unicode.
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const hostile = fc.constantFrom('\u0000', '\r\n', '\u0007', '\u202E', '\u2066', '\u200B', '\u200D', '\uFEFF', '\u0301', ROCKET, ' ');
const anyText = fc
  .array(fc.oneof({ weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) }, { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) }, { weight: 2, arbitrary: loneSurrogate }, { weight: 3, arbitrary: hostile }), { maxLength: 12 })
  .map((parts) => parts.join(''));
// Near the limits too: long runs of 4-byte emoji and of characters that disappear.
const field = fc.oneof(
  { weight: 6, arbitrary: anyText },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 130 }).map((n) => ROCKET.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 200 }).map((n) => `${'\u200B'.repeat(n)}x`) },
);

for (const database of testDatabases()) {
  describe(`text input on ${database.name}`, () => {
    let t: TestApp;
    let exposeId: string;
    beforeAll(async () => {
      const store = await database.open();
      t = await createTestApp(store, { overrides: { rateLimitsEnabled: false, maintenance: false } });
      exposeId = await seedExpose(store);
    });
    afterAll(async () => {
      await t.close();
      await database.cleanup();
    });

    const createExpose = (payload: unknown) => t.app.inject({ method: 'POST', url: '/api/exposes', headers: json, payload: JSON.stringify(payload) });
    const comment = (payload: unknown) =>
      t.app.inject({ method: 'POST', url: '/api/expose/comments', headers: json, payload: JSON.stringify({ exposeId, ...(payload as object) }) });

    it('a NUL, a bidi override and zero-width characters in a title are removed, not a 500', async () => {
      const res = await createExpose({ title: 'Hel\u0000lo \u202Eworld\u200B', body: 'line 1\r\nline 2' });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ title: 'Hello world', body: 'line 1\nline 2' });
      const stored = await t.container.store.findExpose(res.json().exposeId);
      expect(stored).toMatchObject({ title: 'Hello world', body: 'line 1\nline 2' });
    });

    it('lone surrogates (valid JSON escapes) are dropped; 4-byte emoji are kept', async () => {
      const res = await createExpose({ title: `a\uD800b ${ROCKET}`, body: `\uDFFFbody` });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ title: `ab ${ROCKET}`, body: 'body' });
    });

    it('limits count code points after normalising', async () => {
      expect((await createExpose({ title: ROCKET.repeat(120), body: 'b' })).statusCode).toBe(201);
      expect((await createExpose({ title: `${'\u200B'.repeat(200)}${'t'.repeat(120)}`, body: 'b' })).statusCode).toBe(201);
      const over = await createExpose({ title: ROCKET.repeat(121), body: 'b' });
      expect(over.statusCode).toBe(400);
      expect(over.json().error).toMatchObject({ code: 'invalid_input' });
      expect(over.json().error.message).toContain('title');
      expect((await comment({ body: 'c', authorName: ROCKET.repeat(40) })).statusCode).toBe(201);
      expect((await comment({ body: 'c', authorName: ROCKET.repeat(41) })).statusCode).toBe(400);
    });

    it.each([
      ['title', { title: '\u200B\u202E\u0000', body: 'b' }],
      ['body', { title: 't', body: ' \u2066\u2069 \uFEFF' }],
    ])('an expose %s that is empty after normalising is a 400', async (name, payload) => {
      const res = await createExpose(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toContain(name);
    });

    it('a comment body or author name that is empty after normalising is a 400', async () => {
      expect((await comment({ body: '\u200D\u0000' })).statusCode).toBe(400);
      expect((await comment({ body: 'ok', authorName: '\u202E\u200B' })).statusCode).toBe(400);
    });

    it('arbitrary Unicode in every text field: 2xx with the normalised text stored, or 400; never 500', async () => {
      await fc.assert(
        fc.asyncProperty(field, field, async (title, body) => {
          const res = await createExpose({ title, body });
          expect([201, 400]).toContain(res.statusCode);
          if (res.statusCode === 201) {
            const row = await t.container.store.findExpose(res.json().exposeId);
            expect(row).toMatchObject({ title: normalizeText(title), body: normalizeText(body) });
          }
        }),
        { numRuns: 150 },
      );
      await fc.assert(
        fc.asyncProperty(field, fc.option(field, { nil: undefined }), async (body, authorName) => {
          const res = await comment({ body, authorName });
          expect([201, 400]).toContain(res.statusCode);
          if (res.statusCode === 201) {
            expect(res.json().comment).toMatchObject({ body: normalizeText(body) });
            if (authorName !== undefined) expect(res.json().comment.authorName).toBe(normalizeText(authorName));
          }
        }),
        { numRuns: 150 },
      );
    });
  });
}
