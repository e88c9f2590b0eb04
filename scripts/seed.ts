// `npm run seed`: adds the demo exposes to the configured database (PGlite in DATA_DIR, or DATABASE_URL).
import { loadConfig } from '@/lib/server/config';
import { openConfiguredStore } from '@/lib/server/container';
import { seedDemoExposes } from '@/lib/server/domain/demo-content';
import { newExposeId } from '@/lib/server/domain/ids';

const config = loadConfig({ ...process.env, SESSION_SECRET: process.env.SESSION_SECRET ?? 'x'.repeat(32) });
const store = await openConfiguredStore(config);
try {
  const n = await seedDemoExposes({ store, now: () => new Date(), newId: newExposeId });
  console.log(`Added ${n} demo exposes (${store.kind}).`);
} finally {
  await store.close();
}
