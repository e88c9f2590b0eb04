import { telemetryBatchSchema } from '@/lib/contracts/telemetry';
import { TELEMETRY_PATH, TELEMETRY_SAMPLED_HEADER } from '@/lib/contracts/telemetry-shape';
import { recordClientTelemetry } from '@/lib/server/domain/client-telemetry';
import { defineRoute } from '../route';

// POST /api/telemetry — one browser batch of operation records, Web Vitals and error classes.
export const telemetryRoute = defineRoute({
  method: 'POST',
  url: TELEMETRY_PATH,
  body: telemetryBatchSchema,
  rateLimit: 'telemetry',
  summary: 'Client telemetry: operation outcomes, retries, latencies, Web Vitals and error classes from the page (sampled by TELEMETRY_SAMPLE)',
  response: {
    204: {
      description: `Accepted (no body). \`${TELEMETRY_SAMPLED_HEADER}: 0\` when this session is outside the sample and nothing was kept`,
    },
  },
  errors: ['unavailable'],
  handler: async ({ body, sessionId, container }) => {
    const sampled = await recordClientTelemetry(
      {
        store: container.store,
        now: container.now,
        probe: container.telemetry.client,
        sampleRate: container.config.telemetrySample,
        experiments: container.experiments,
      },
      sessionId,
      body,
    );
    return { status: 204, body: null, headers: { [TELEMETRY_SAMPLED_HEADER]: sampled ? '1' : '0', 'cache-control': 'no-store' } };
  },
});
