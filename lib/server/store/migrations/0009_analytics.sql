CREATE TABLE "client_hours" (
	"kind" text NOT NULL,
	"operations" integer DEFAULT 0 NOT NULL,
	"acknowledged" integer DEFAULT 0 NOT NULL,
	"rolled_back" integer DEFAULT 0 NOT NULL,
	"dropped" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"retries" integer DEFAULT 0 NOT NULL,
	"timeouts" integer DEFAULT 0 NOT NULL,
	"exhausted" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"lat_100" integer DEFAULT 0 NOT NULL,
	"lat_250" integer DEFAULT 0 NOT NULL,
	"lat_500" integer DEFAULT 0 NOT NULL,
	"lat_1000" integer DEFAULT 0 NOT NULL,
	"lat_2500" integer DEFAULT 0 NOT NULL,
	"lat_5000" integer DEFAULT 0 NOT NULL,
	"lat_10000" integer DEFAULT 0 NOT NULL,
	"lat_inf" integer DEFAULT 0 NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	CONSTRAINT "client_hours_hour_kind_pk" PRIMARY KEY("hour","kind")
);
--> statement-breakpoint
CREATE TABLE "client_minutes" (
	"kind" text NOT NULL,
	"operations" integer DEFAULT 0 NOT NULL,
	"acknowledged" integer DEFAULT 0 NOT NULL,
	"rolled_back" integer DEFAULT 0 NOT NULL,
	"dropped" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"retries" integer DEFAULT 0 NOT NULL,
	"timeouts" integer DEFAULT 0 NOT NULL,
	"exhausted" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"lat_100" integer DEFAULT 0 NOT NULL,
	"lat_250" integer DEFAULT 0 NOT NULL,
	"lat_500" integer DEFAULT 0 NOT NULL,
	"lat_1000" integer DEFAULT 0 NOT NULL,
	"lat_2500" integer DEFAULT 0 NOT NULL,
	"lat_5000" integer DEFAULT 0 NOT NULL,
	"lat_10000" integer DEFAULT 0 NOT NULL,
	"lat_inf" integer DEFAULT 0 NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	CONSTRAINT "client_minutes_minute_kind_pk" PRIMARY KEY("minute","kind")
);
--> statement-breakpoint
CREATE TABLE "engagement_drop_hours" (
	"expose_id" text NOT NULL,
	"kind" text NOT NULL,
	"outcome" text NOT NULL,
	"n" integer DEFAULT 0 NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	CONSTRAINT "engagement_drop_hours_expose_id_hour_kind_outcome_pk" PRIMARY KEY("expose_id","hour","kind","outcome")
);
--> statement-breakpoint
CREATE TABLE "engagement_drop_minutes" (
	"expose_id" text NOT NULL,
	"kind" text NOT NULL,
	"outcome" text NOT NULL,
	"n" integer DEFAULT 0 NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	CONSTRAINT "engagement_drop_minutes_expose_id_minute_kind_outcome_pk" PRIMARY KEY("expose_id","minute","kind","outcome")
);
--> statement-breakpoint
CREATE TABLE "engagement_hours" (
	"expose_id" text NOT NULL,
	"views" integer DEFAULT 0 NOT NULL,
	"upvotes" integer DEFAULT 0 NOT NULL,
	"downvotes" integer DEFAULT 0 NOT NULL,
	"shares" integer DEFAULT 0 NOT NULL,
	"comments" integer DEFAULT 0 NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	CONSTRAINT "engagement_hours_expose_id_hour_pk" PRIMARY KEY("expose_id","hour")
);
--> statement-breakpoint
CREATE TABLE "engagement_minutes" (
	"expose_id" text NOT NULL,
	"views" integer DEFAULT 0 NOT NULL,
	"upvotes" integer DEFAULT 0 NOT NULL,
	"downvotes" integer DEFAULT 0 NOT NULL,
	"shares" integer DEFAULT 0 NOT NULL,
	"comments" integer DEFAULT 0 NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	CONSTRAINT "engagement_minutes_expose_id_minute_pk" PRIMARY KEY("expose_id","minute")
);
--> statement-breakpoint
CREATE INDEX "engagement_drop_hours_hour_idx" ON "engagement_drop_hours" USING btree ("hour");--> statement-breakpoint
CREATE INDEX "engagement_drop_minutes_minute_idx" ON "engagement_drop_minutes" USING btree ("minute");--> statement-breakpoint
CREATE INDEX "engagement_hours_hour_idx" ON "engagement_hours" USING btree ("hour");--> statement-breakpoint
CREATE INDEX "engagement_minutes_minute_idx" ON "engagement_minutes" USING btree ("minute");