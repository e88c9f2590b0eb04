CREATE TABLE "experiment_latency" (
	"experiment_key" text NOT NULL,
	"variant" text NOT NULL,
	"le_ms" integer NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "experiment_latency_experiment_key_variant_le_ms_pk" PRIMARY KEY("experiment_key","variant","le_ms")
);
--> statement-breakpoint
CREATE TABLE "experiment_sessions" (
	"experiment_key" text NOT NULL,
	"session_id" text NOT NULL,
	"variant" text NOT NULL,
	"exposed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"votes" integer DEFAULT 0 NOT NULL,
	"shares" integer DEFAULT 0 NOT NULL,
	"comments" integer DEFAULT 0 NOT NULL,
	"views" integer DEFAULT 0 NOT NULL,
	"operations" integer DEFAULT 0 NOT NULL,
	"rolled_back" integer DEFAULT 0 NOT NULL,
	"retries" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "experiment_sessions_experiment_key_session_id_pk" PRIMARY KEY("experiment_key","session_id")
);
--> statement-breakpoint
CREATE TABLE "experiment_states" (
	"key" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"weights" jsonb,
	"started_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "experiment_sessions_variant_idx" ON "experiment_sessions" USING btree ("experiment_key","variant");