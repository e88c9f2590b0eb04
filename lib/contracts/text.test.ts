import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeText, textLength } from './text';

const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'; // 👨‍👩‍👧, joined by ZWJ
const RAINBOW_FLAG = '\u{1F3F3}\uFE0F\u200D\u{1F308}';

describe('normalizeText', () => {
  it.each([
    ['plain text stays', 'Hello, world', 'Hello, world'],
    ['NUL and other C0 controls go', 'a\u0000b\u0007c\u001Bd', 'abcd'],
    ['DEL and C1 controls go', 'a\u007Fb\u0085c\u009Fd', 'abcd'],
    ['tab and newline stay', 'a\tb\nc', 'a\tb\nc'],
    ['CRLF and lone CR become LF', 'a\r\nb\rc', 'a\nb\nc'],
    ['line and paragraph separators become LF', 'a\u2028b\u2029c', 'a\nb\nc'],
    ['bidi overrides go (Trojan Source)', 'abc\u202Efdp.exe', 'abcfdp.exe'],
    ['bidi embeddings and isolates go', '\u202Aa\u202Bb\u202Cc\u202Dd\u2066e\u2067f\u2068g\u2069', 'abcdefg'],
    ['zero-width space, word joiner and BOM go', 'a\u200Bb\u2060c\uFEFFd', 'abcd'],
    ['ZWJ inside an emoji sequence stays', `family ${FAMILY}`, `family ${FAMILY}`],
    ['ZWJ after a variation selector stays', RAINBOW_FLAG, RAINBOW_FLAG],
    ['ZWNJ between Persian letters stays', 'می\u200Cخواهم', 'می\u200Cخواهم'],
    ['stray joiners go', '\u200Da \u200C\u200Db\u200D', 'a b'],
    ['a joiner next to what NFC composes into a symbol goes (← + U+0338 is ↚)', '\u2190\u0338\u200C\u00A9', '\u219A\u00A9'],
    ['a lone high surrogate goes', 'a\uD83Db', 'ab'],
    ['a lone low surrogate goes', 'a\uDE00b', 'ab'],
    ['a reversed pair goes', 'a\uDE00\uD83Db', 'ab'],
    ['a 4-byte emoji stays', 'ship it \u{1F680}', 'ship it \u{1F680}'],
    ['NFD becomes NFC', 'Cafe\u0301', 'Caf\u00E9'],
    ['a removal that joins a letter and its mark gives NFC', 'e\u200B\u0301', '\u00E9'],
    ['white space around is trimmed, inside kept', ' \n a  b \t', 'a  b'],
    ['only invisible characters leave nothing', '\u200B\u202E\u0000 \u200D\uFEFF', ''],
  ])('%s', (_name, input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });

  it('is idempotent, and its output is well-formed NFC without the removed characters', () => {
    const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
    const hostile = fc.constantFrom('\u0000', '\r', '\u202E', '\u2066', '\u200B', '\u200D', '\u200C', '\uFEFF', '\u0301', '\u{1F680}', FAMILY);
    const text = fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), surrogate, hostile)).map((a) => a.join(''));
    fc.assert(
      fc.property(text, (s) => {
        const out = normalizeText(s);
        expect(normalizeText(out)).toBe(out);
        expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
        expect(out.normalize('NFC')).toBe(out);
        // eslint-disable-next-line no-control-regex
        expect(out).not.toMatch(/[\x00-\x08\x0B-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069\u200B\u2060\uFEFF\u2028\u2029]/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('textLength', () => {
  it('counts code points: a 4-byte emoji is one', () => {
    expect(textLength('ab')).toBe(2);
    expect(textLength('\u{1F680}')).toBe(1);
    expect(textLength(FAMILY)).toBe(5);
    expect(textLength('')).toBe(0);
  });
});
