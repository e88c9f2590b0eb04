-- Issue 16, "Tables that stay small": the analytics minute rows (issue 11) are write-once and leave
-- by time (summed into hour rows after 48 h). On a PostgreSQL server (not PGlite, which keeps the
-- plain tables: one embedded process has no vacuum pressure worth the moving parts) the three
-- minute tables become RANGE-partitioned by "minute", one partition per UTC day (named
-- <table>_pYYYYMMDD) and a DEFAULT partition for a day nobody created in time. The partition key is
-- the existing "minute" column, already in every primary key: columns, keys, indexes and names stay
-- as they were, so drizzle's schema and every query are the same for both layouts. Maintenance
-- (store/analytics-queries.ts) creates the coming days' partitions and, once a whole day is older
-- than 48 h, sums it into the hour table and drops it in one transaction.
DO $$
DECLARE
  t text;
  d date;
BEGIN
  IF version() LIKE '%PGlite%' THEN
    RETURN;
  END IF;
  FOREACH t IN ARRAY ARRAY['engagement_minutes', 'engagement_drop_minutes', 'client_minutes'] LOOP
    EXECUTE format('ALTER TABLE %I RENAME TO %I', t, t || '_unpartitioned');
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS) PARTITION BY RANGE (minute)', t, t || '_unpartitioned');
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', t || '_default', t);
    FOR d IN EXECUTE format(
      'SELECT DISTINCT (minute AT TIME ZONE ''UTC'')::date FROM %I UNION SELECT ((now() AT TIME ZONE ''UTC'') + make_interval(days => g))::date FROM generate_series(-1, 2) g',
      t || '_unpartitioned')
    LOOP
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
        t || '_p' || to_char(d, 'YYYYMMDD'), t, to_char(d, 'YYYY-MM-DD') || 'T00:00:00Z', to_char(d + 1, 'YYYY-MM-DD') || 'T00:00:00Z');
    END LOOP;
    EXECUTE format('INSERT INTO %I SELECT * FROM %I', t, t || '_unpartitioned');
    EXECUTE format('DROP TABLE %I', t || '_unpartitioned');
  END LOOP;
  ALTER TABLE engagement_minutes ADD CONSTRAINT engagement_minutes_expose_id_minute_pk PRIMARY KEY (expose_id, minute);
  CREATE INDEX engagement_minutes_minute_idx ON engagement_minutes (minute);
  ALTER TABLE engagement_drop_minutes ADD CONSTRAINT engagement_drop_minutes_expose_id_minute_kind_outcome_pk PRIMARY KEY (expose_id, minute, kind, outcome);
  CREATE INDEX engagement_drop_minutes_minute_idx ON engagement_drop_minutes (minute);
  ALTER TABLE client_minutes ADD CONSTRAINT client_minutes_minute_kind_pk PRIMARY KEY (minute, kind);
END $$;
