/**
 * The one normaliser for every piece of user text (expose title and body, comment body, author
 * name), applied by the request schemas before any length check. docs/SECURITY.md, "Text input".
 * No zod here: the browser may use it too.
 */

// Halves of a surrogate pair without their other half: not a character, and not encodable as
// UTF-8 (PostgreSQL refuses them, Node would silently write U+FFFD).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// C0 controls except tab and newline, DEL and C1 controls. NUL among them: PostgreSQL rejects it.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0B-\x1F\x7F-\x9F]/g;
// Bidirectional embeddings, overrides and isolates (Trojan Source, reversed file names), and
// zero-width characters that hide text or make look-alike titles.
const INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200B\u2060\uFEFF]/g;
// Zero-width (non-)joiners are part of writing: ZWNJ in Persian, ZWJ in emoji sequences such as
// 👨‍👩‍👧. They are kept only between two visible characters; anywhere else they only hide.
const JOINABLE = String.raw`[\p{L}\p{M}\p{N}\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F]`;
const STRAY_JOINER = new RegExp(String.raw`(?<!${JOINABLE})[\u200C\u200D]|[\u200C\u200D](?!${JOINABLE})`, 'gu');

/**
 * Returns the text as it is stored and shown: lone surrogates dropped, CRLF and CR turned into LF
 * (and U+2028/U+2029 too), other control characters, bidi controls and stray zero-width characters
 * removed, NFC, surrounding white space trimmed. Idempotent: normalizeText(normalizeText(s)) equals
 * normalizeText(s).
 */
export function normalizeText(input: string): string {
  let s = input.replace(LONE_SURROGATE, '');
  s = s.replace(/\r\n?|[\u2028\u2029]/g, '\n');
  s = s.replace(CONTROL, '').replace(INVISIBLE, '');
  // The look-arounds see the text before removal, so a run of joiners goes as a whole. NFC after the
  // removals, which may bring a base and its combining mark together; and that composed character
  // may not be joinable (← + U+0338 is ↚, a symbol), so repeat until nothing changes. Each round
  // that changes anything makes the text shorter, so this ends (fast-check found the case).
  let before: string;
  do {
    before = s;
    s = s.replace(STRAY_JOINER, '').normalize('NFC');
  } while (s !== before);
  return s.trim();
}

/** Length as people and PostgreSQL count it: code points (an emoji is 1, not 2 UTF-16 units). */
export function textLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
