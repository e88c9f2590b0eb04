const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "5m ago", "3h ago", "2d ago"; older than 30 days: the date. */
export function formatAge(createdAt: string, now: number): string {
  const at = Date.parse(createdAt);
  if (Number.isNaN(at)) return '';
  const ms = Math.max(0, now - at);
  if (ms < MINUTE) return 'just now';
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)}m ago`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)}h ago`;
  if (ms < 30 * DAY) return `${Math.floor(ms / DAY)}d ago`;
  return new Date(at).toISOString().slice(0, 10);
}

/**
 * "no expiry", "expired", or "expires in 45m" / "expires in 3h" / "expires in 2d". Rounded to the
 * nearest unit (minutes up): a 12-hour expose reads "expires in 12h" right after publishing, not 11h.
 */
export function formatTimeLeft(expiresAt: string | null, expired: boolean, now: number): string {
  if (expired) return 'expired';
  if (expiresAt === null) return 'no expiry';
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) return 'no expiry';
  const ms = at - now;
  if (ms <= 0) return 'expired';
  if (ms < HOUR) return `expires in ${Math.max(1, Math.ceil(ms / MINUTE))}m`;
  const hours = Math.round(ms / HOUR);
  if (hours < 48) return `expires in ${hours}h`;
  return `expires in ${Math.round(ms / DAY)}d`;
}

/**
 * The start of the body, cut at a word boundary; at most `max` characters, ellipsis included, so
 * an excerpt is its own excerpt (the feed page sends only the excerpt to the card, which cuts again).
 */
export function excerpt(body: string, max = 200): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
