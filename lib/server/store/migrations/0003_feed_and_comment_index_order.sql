DROP INDEX "comments_page_idx";--> statement-breakpoint
DROP INDEX "exposes_feed_idx";--> statement-breakpoint
CREATE INDEX "comments_page_idx" ON "comments" USING btree ("expose_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "exposes_feed_idx" ON "exposes" USING btree ("created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);