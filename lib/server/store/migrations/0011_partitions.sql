ALTER TABLE "comments" DROP CONSTRAINT "comments_expose_id_exposes_id_fk";
--> statement-breakpoint
ALTER TABLE "ip_expose_counts" DROP CONSTRAINT "ip_expose_counts_expose_id_exposes_id_fk";
--> statement-breakpoint
ALTER TABLE "shares" DROP CONSTRAINT "shares_expose_id_exposes_id_fk";
--> statement-breakpoint
ALTER TABLE "view_dedup" DROP CONSTRAINT "view_dedup_expose_id_exposes_id_fk";
--> statement-breakpoint
ALTER TABLE "votes" DROP CONSTRAINT "votes_expose_id_exposes_id_fk";
--> statement-breakpoint
-- Issue 16, "Tables that stay small": view de-dup rows and idempotency keys get the UTC day they
-- belong to (a viewer hash's salt day; a key's created_at day), part of their primary keys, so that
-- on PostgreSQL they can be partitioned by it (below). Existing rows: a de-dup row lives 24 h from
-- its view, so its day is that of expires_at - 24 h.
ALTER TABLE "view_dedup" ADD COLUMN "day" text;
--> statement-breakpoint
UPDATE "view_dedup" SET "day" = to_char(("expires_at" - interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD');
--> statement-breakpoint
ALTER TABLE "view_dedup" ALTER COLUMN "day" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "view_dedup" DROP CONSTRAINT "view_dedup_expose_id_viewer_hash_pk";
--> statement-breakpoint
ALTER TABLE "view_dedup" ADD CONSTRAINT "view_dedup_expose_id_viewer_hash_day_pk" PRIMARY KEY("expose_id","viewer_hash","day");
--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "day" text;
--> statement-breakpoint
UPDATE "idempotency_keys" SET "day" = to_char("created_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD');
--> statement-breakpoint
ALTER TABLE "idempotency_keys" ALTER COLUMN "day" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "idempotency_keys" DROP CONSTRAINT "idempotency_keys_session_id_scope_key_pk";
--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_session_id_scope_key_day_pk" PRIMARY KEY("session_id","scope","key","day");
--> statement-breakpoint
-- On a PostgreSQL server (not PGlite, which keeps the plain tables above: one embedded process has
-- no vacuum pressure worth the moving parts), both tables become LIST-partitioned by "day", with
-- the same columns, keys, indexes and names as the plain tables, one partition per day (named
-- <table>_pYYYYMMDD) and a DEFAULT partition that catches a day nobody created in time.
-- Maintenance (store/maintenance-queries.ts) creates the coming days' partitions and drops the
-- expired days' ones; rows in the DEFAULT partition are deleted row by row as before.
DO $$
DECLARE
  t text;
  d text;
BEGIN
  IF version() LIKE '%PGlite%' THEN
    RETURN;
  END IF;
  FOREACH t IN ARRAY ARRAY['view_dedup', 'idempotency_keys'] LOOP
    EXECUTE format('ALTER TABLE %I RENAME TO %I', t, t || '_unpartitioned');
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS) PARTITION BY LIST (day)', t, t || '_unpartitioned');
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', t || '_default', t);
    FOR d IN EXECUTE format(
      'SELECT DISTINCT day FROM %I UNION SELECT to_char((now() AT TIME ZONE ''UTC'') + make_interval(days => g), ''YYYY-MM-DD'') FROM generate_series(-1, 2) g',
      t || '_unpartitioned')
    LOOP
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%L)', t || '_p' || replace(d, '-', ''), t, d);
    END LOOP;
    EXECUTE format('INSERT INTO %I SELECT * FROM %I', t, t || '_unpartitioned');
    EXECUTE format('DROP TABLE %I', t || '_unpartitioned');
  END LOOP;
  ALTER TABLE view_dedup ADD CONSTRAINT view_dedup_expose_id_viewer_hash_day_pk PRIMARY KEY (expose_id, viewer_hash, day);
  CREATE INDEX view_dedup_expires_idx ON view_dedup (expires_at);
  ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_session_id_scope_key_day_pk PRIMARY KEY (session_id, scope, key, day);
  CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
END $$;
