import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError, describeError } from './errors';
import { checkExemptions, type ExemptionCheckOptions, type ExemptionList } from './exemptions';

/** The largest exemptions file read: 10,000 entries of a few hundred characters fit well within it. */
export const MAX_EXEMPTIONS_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Reads and checks an exemptions file where it enters (the command line's --exemptions, the
 * constructs' `exemptions` prop at synth): JSON when its name ends in `.json`, YAML 1.2 (core
 * schema, so `2027-03-31` stays text and a duplicate key is refused) otherwise, by the `yaml`
 * package. Whatever is wrong is one ConfigError naming the file and each bad entry. The
 * functions never read YAML: the constructs hand them the checked entries as JSON.
 */
export function readExemptionsFile(
  path: string,
  options: Omit<ExemptionCheckOptions, 'source'>,
): ExemptionList {
  let text: string;
  try {
    const { size } = statSync(path);
    if (size > MAX_EXEMPTIONS_FILE_BYTES) {
      throw new ConfigError(
        `exemptions file ${path} is not allowed: it is ${size} bytes; expected at most ${MAX_EXEMPTIONS_FILE_BYTES}`,
      );
    }
    text = readFileSync(path, 'utf8');
  } catch (error: unknown) {
    if (error instanceof ConfigError) throw error;
    const { message } = describeError(error);
    throw new ConfigError(`exemptions file ${path} could not be read (${message})`);
  }
  return checkExemptions(parseExemptionsText(text, path), { ...options, source: path });
}

/** The file's content as data: JSON for a `.json` name, YAML otherwise; a syntax error names the file. */
export function parseExemptionsText(text: string, source: string): unknown {
  const json = source.toLowerCase().endsWith('.json');
  try {
    return json
      ? JSON.parse(text)
      : parse(text, { version: '1.2', schema: 'core', uniqueKeys: true });
  } catch (error: unknown) {
    const { message } = describeError(error);
    throw new ConfigError(
      `exemptions file ${source} is not valid ${json ? 'JSON' : 'YAML'}: ${message.split('\n')[0]}`,
    );
  }
}
