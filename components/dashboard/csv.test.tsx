import { describe, expect, it } from 'vitest';
import { toCsv } from './csv';

describe('dashboard CSV', () => {
  it('quotes fields with commas, quotes and line breaks, and defuses formula-like text', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['=SUM(A1)', -3], ['line\nbreak', 0]])).toBe(
      'a,b\r\n"x,y","say ""hi"""\r\n\'=SUM(A1),-3\r\n"line\nbreak",0\r\n',
    );
  });
});
