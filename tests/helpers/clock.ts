/** A clock the test moves by hand; pass `clock.now` as the container's `now`. */
export interface TestClock {
  now: () => Date;
  set(iso: string | Date): void;
  advance(ms: number): void;
}

export function testClock(start: string | Date = new Date()): TestClock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set(iso) {
      t = new Date(iso).getTime();
    },
    advance(ms) {
      t += ms;
    },
  };
}
