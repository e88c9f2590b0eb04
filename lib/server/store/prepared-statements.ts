import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';

/** A query as node-postgres takes it; a `name` makes it a prepared statement on each connection. */
export interface NamedQuery {
  name: string | undefined;
  text: string;
  values: unknown[];
}

/**
 * Statement names this process will hand out at most. Every query file builds a fixed set of
 * texts (arrays carry variable-length input), so the real count is a few dozen; a query whose text
 * varied with its input would otherwise fill every connection's server-side statement cache.
 * Texts beyond the cap run unnamed (parsed and planned every time, as before).
 */
export const MAX_NAMED_STATEMENTS = 200;

const dialect = new PgDialect();

/**
 * Turns drizzle SQL into text + parameters and names the text by its hash. node-postgres parses a
 * named statement once per connection (Parse) and afterwards only binds and executes it, so the
 * server skips parsing and, once its plan cache settles, planning. Same text, same name: a batch of
 * 3 and a batch of 300 votes share one statement because their arrays are single parameters.
 */
export function createStatementNamer(max = MAX_NAMED_STATEMENTS): (query: SQL) => NamedQuery {
  const names = new Map<string, string>();
  return (query) => {
    const { sql: text, params } = dialect.sqlToQuery(query);
    let name = names.get(text);
    if (name === undefined && names.size < max) {
      name = `ec_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
      names.set(text, name);
    }
    return { name, text, values: params };
  };
}
