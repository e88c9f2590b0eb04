import type { CreateExposeRequest } from '@/lib/contracts/exposes';
import { createExpose, type ExposeDeps } from './exposes';

/** Varied demo exposes so a first start shows a living feed: short, long, expiring, permanent. */
export const DEMO_EXPOSES: readonly CreateExposeRequest[] = [
  {
    title: 'The city quietly doubled parking fines downtown',
    body: 'Council minutes from March show the fine for an expired meter went from $35 to $70 with no public notice. The change was buried in a 140-page budget annex. Residents found out from their tickets.',
    ttlHours: 72,
  },
  {
    title: 'Our office coffee machine has a hidden admin menu',
    body: 'Hold the espresso and hot-water buttons for five seconds and you get a service menu with brew temperature, grind time and a cup counter. Ours has poured 48,211 cups since 2019.',
  },
  {
    title: 'The “organic” bakery on 5th buys frozen dough',
    body: 'Delivery boxes from an industrial supplier arrive every Tuesday at 5 a.m. The croissants are still good. The sign saying “made from scratch every morning” is not quite true.',
    ttlHours: 24,
  },
  {
    title: 'Library late fees are gone — and borrowing went up 18%',
    body: 'Since the county dropped late fees last year, the share of returned books rose and new library cards were up 18%. The fees brought in less than it cost to collect them.',
  },
  {
    title: 'A popular fitness app shares your runs by default',
    body: 'New accounts start with a public activity feed, including start and end points of every run. Switch it off under Privacy → Activities → Who can see. Check the map of your home street.',
    ttlHours: 168,
  },
  {
    title: 'The 7:42 train is late 4 days out of 5',
    body: 'I logged arrivals for three months: median delay 6 minutes, worst 31. The timetable has not changed since 2016, while the line has gained two stops.',
    ttlHours: 720,
  },
  {
    title: 'Free museum Sundays are back this month',
    body: 'The natural history museum reopens free entry on the first Sunday of each month, 10:00 to 14:00. Arrive early: last year the queue reached the park gates by 11.',
    ttlHours: 12,
  },
];

/** Inserts the demo exposes (oldest first, so the feed shows the list order). */
export async function seedDemoExposes(deps: ExposeDeps): Promise<number> {
  for (const demo of [...DEMO_EXPOSES].reverse()) await createExpose(deps, demo);
  return DEMO_EXPOSES.length;
}

/** On a first start (empty database), seed unless disabled. */
export async function seedIfEmpty(deps: ExposeDeps): Promise<number> {
  if ((await deps.store.countExposes()) > 0) return 0;
  return seedDemoExposes(deps);
}
