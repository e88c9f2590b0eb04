import { readFileSync } from 'node:fs';
import { experimentsFileSchema, type ExperimentDefinition } from '@/lib/contracts/experiments';

export class ExperimentsFileError extends Error {}

/** Parses the experiments file's text; a bad file stops the start-up with every problem named. */
export function parseExperiments(text: string, source: string): ExperimentDefinition[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ExperimentsFileError(`${source}: not JSON (${(err as Error).message})`);
  }
  const parsed = experimentsFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ExperimentsFileError(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data.experiments;
}

/** Reads the file; an absent default file means no experiments, an absent named one is an error. */
export function loadExperiments(file: { path: string; required: boolean }): ExperimentDefinition[] {
  let text: string;
  try {
    text = readFileSync(file.path, 'utf8');
  } catch (err) {
    if (!file.required && (err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ExperimentsFileError(`${file.path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseExperiments(text, file.path);
}
