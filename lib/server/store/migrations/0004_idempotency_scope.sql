-- Idempotency keys are scoped to (session, endpoint) now: 'share' and 'comment' instead of
-- 'share:<exposeId>' and 'comment:<exposeId>' (the fingerprint covers the expose, so the same
-- key on another expose is a 422, API.md). Keys remembered under the old scope keep replaying;
-- where one key was used on several exposes, the first use stays.
-- Claims are taken inside the effect's transaction now, so a committed row without a reply is a
-- claim left by the old code: its request has ended, and nothing else would ever free it.
DELETE FROM "idempotency_keys" WHERE "status_code" IS NULL;--> statement-breakpoint
DELETE FROM "idempotency_keys" AS later USING "idempotency_keys" AS earlier
WHERE later."scope" LIKE '%:%' AND earlier."scope" LIKE '%:%'
  AND later."session_id" = earlier."session_id" AND later."key" = earlier."key"
  AND split_part(later."scope", ':', 1) = split_part(earlier."scope", ':', 1)
  AND (later."created_at", later."scope") > (earlier."created_at", earlier."scope");--> statement-breakpoint
UPDATE "idempotency_keys" AS old SET "scope" = split_part(old."scope", ':', 1)
WHERE old."scope" LIKE '%:%' AND NOT EXISTS (
  SELECT 1 FROM "idempotency_keys" AS cur
  WHERE cur."session_id" = old."session_id" AND cur."key" = old."key" AND cur."scope" = split_part(old."scope", ':', 1)
);--> statement-breakpoint
DELETE FROM "idempotency_keys" WHERE "scope" LIKE '%:%';
