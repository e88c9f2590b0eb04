import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprintOf } from './idempotency';

describe('idempotency fingerprints', () => {
  it('ignores key order and undefined fields, but not values', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(fingerprintOf({ exposeId: 'e', channel: 'x' })).toBe(fingerprintOf({ channel: 'x', exposeId: 'e', extra: undefined }));
    expect(fingerprintOf({ exposeId: 'e', channel: 'x' })).not.toBe(fingerprintOf({ exposeId: 'e', channel: 'link' }));
    expect(fingerprintOf('1')).not.toBe(fingerprintOf(1));
  });
});
