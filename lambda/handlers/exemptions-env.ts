import { readFileSync } from 'node:fs';
import { ConfigError, describeError } from '../core/errors';
import { checkExemptions, type ExemptionList } from '../core/exemptions';

/**
 * The variable that names a function's exemptions file: the JSON the constructs wrote at synth
 * from the checked file, in the function's layer (`/opt/...`). Unset: no exemptions file.
 */
export const EXEMPTIONS_FILE_ENV = 'EXEMPTIONS_FILE';

/**
 * A function's exemptions, read and checked again at cold start (never YAML: the constructs
 * hand over JSON), so a function whose file is missing or was altered fails its cold start,
 * naming the variable, instead of auditing without the exemptions it was deployed with.
 */
export function loadExemptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly now: Date; readonly maxExemptionDays?: number | undefined },
): ExemptionList | undefined {
  const path = env[EXEMPTIONS_FILE_ENV];
  if (path === undefined || path === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error: unknown) {
    const { message } = describeError(error);
    throw new ConfigError(
      `${EXEMPTIONS_FILE_ENV}=${path} could not be read as JSON (${message}); it is the file the construct's exemptions prop writes into the function's layer`,
    );
  }
  return checkExemptions(value, { ...options, source: `${EXEMPTIONS_FILE_ENV}=${path}` });
}
