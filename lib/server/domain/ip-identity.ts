import { isIPv4, isIPv6 } from 'node:net';

/**
 * The one rule for "the same client" in rate limits, IP caps and view de-duplication: the address
 * for IPv4 (an IPv4-mapped IPv6 address is its IPv4 address) and the /64 prefix for IPv6, because
 * one IPv6 customer is given a whole /64 and can rotate through its 2^64 addresses at will.
 * The result is only ever hashed (identity.ts, viewer-hash.ts), never stored.
 */
export function ipIdentity(ip: string): string {
  if (isIPv4(ip)) return ip;
  const address = ip.split('%')[0]!; // a link-local zone names the interface, not the client
  if (!isIPv6(address)) return ip;
  const groups = expandIPv6(address.toLowerCase());
  const mapped = groups.slice(0, 6).join(':') === '0:0:0:0:0:ffff';
  if (mapped) return [groups[6]!, groups[7]!].flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 255]).join('.');
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** Eight groups without leading zeros; a trailing dotted quad becomes two groups. */
function expandIPv6(address: string): string[] {
  let text = address;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => parseInt(g, 16).toString(16));
}
