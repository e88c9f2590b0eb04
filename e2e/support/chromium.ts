/**
 * Debian's Chromium and the flags every run here needs: no sandbox as root, and no network beyond
 * loopback (without these it looks up Google's hosts and its connections are refused, many at a
 * time). Shared by playwright.config.ts and bench/lighthouse.ts.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];
