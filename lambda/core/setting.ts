import * as z from 'zod/mini';
import { ConfigError, notAllowedAs } from './errors';

/**
 * The one form of a setting, and its one parser: a row declares each name a setting goes by
 * where it is read, its schema, default, what it allows and its help (settings.ts holds the
 * tables); `parseSetting` reads any value by its row.
 */

/** Which stack the CDK app deploys: one account, an organization, or the member role alone. */
export type Deployment = 'account' | 'organization' | 'member';

/** A whole number from `min` to `max`, given as a number or as digits (environment, `-c`, a flag). */
export const wholeNumber = (min: number, max: number) =>
  z.pipe(
    z.union([z.number(), z.string().check(z.regex(/^[0-9]+$/))]),
    z.pipe(z.transform(Number), z.int().check(z.minimum(min), z.maximum(max))),
  );

/** True or false, given as a boolean (props, cdk.json, a CLI switch) or as `true`/`false` (env, `-c`). */
export const onOff = z.pipe(
  z.union([z.boolean(), z.enum(['true', 'false'])]),
  z.transform((value: boolean | 'true' | 'false') => value === true || value === 'true'),
);

/**
 * One setting, declared once: each name it goes by where it is read (the functions' environment,
 * a CLI flag, CDK context, a construct prop), its default, what it allows, its help and schema.
 */
export interface Setting<S extends z.ZodMiniType = z.ZodMiniType> {
  /** The functions' environment variable, where a function reads it. */
  readonly env?: string;
  /** The CLI flag, without `--`, where the CLI reads it. */
  readonly flag?: string;
  /** The CDK context key, where context sets it; the construct prop too, unless `prop` says otherwise. */
  readonly context?: string;
  /** The construct prop, where it is not named as the context key. */
  readonly prop?: string;
  /** The flag's value in `--help` (`N`, `MODE`, …); a flag without one is a switch. */
  readonly placeholder?: string;
  /** What an absent value means; without one, absent is what the schema makes of nothing. */
  readonly default?: z.output<S>;
  /** What the default is, in words, where it is not a plain value. */
  readonly defaultText?: string;
  /** What a valid value looks like, for error messages. */
  readonly allowed: string;
  /** One line for `--help` and the docs. */
  readonly help: string;
  readonly schema: S;
  /** Set for a list, given comma-separated or as an array: one item's schema (a refusal names the bad one). */
  readonly item?: z.ZodMiniType<string>;
  /** The deployments that read it from CDK context, when not all of them do. */
  readonly deployments?: readonly Deployment[];
}

/** Declares a setting: its default is checked against its schema, its names kept as written. */
export const setting = <S extends z.ZodMiniType, const N extends Partial<Setting>>(
  row: Setting<S> & N,
) => row;

/** A table of settings in which each row's `facet` name (its context key, or its flag) is its key. */
export function settingsTable<
  const F extends 'context' | 'flag',
  const T extends Readonly<Record<string, Setting>>,
>(facet: F, rows: T) {
  return Object.fromEntries(
    Object.entries(rows).map(([key, row]) => [key, { [facet]: key, ...row }]),
  ) as unknown as { readonly [K in keyof T]: T[K] & { readonly [P in F]: K & string } };
}

/** The parts of a list setting whose items match `item`: empty by default, or at least `least` items. */
export const listOf = (item: RegExp, least = 0) => ({
  item: z.string().check(z.regex(item)),
  schema: z.array(z.string()).check(z.minLength(least)),
  ...(least === 0 ? { default: [] as string[] } : {}),
});

/** The parts of a whole-number setting: `N` from `min` to `max` (of `unit`, then `more` said). */
export const count = (min: number, max: number, unit = '', more = '') => ({
  placeholder: 'N',
  allowed: `a whole number ${unit && `of ${unit} `}from ${min} to ${max}${more}`,
  schema: wholeNumber(min, max),
});

/** A table of settings, keyed by setting. */
export type Table = Readonly<Record<string, Setting>>;
/** A setting's value once parsed. */
export type SettingValue<T extends Setting> = z.output<T['schema']>;
/** Some settings of a table, parsed. */
export type Parsed<T extends Table, K extends keyof T> = { readonly [P in K]: SettingValue<T[P]> };
/** Raw, unvalidated values keyed by setting; absent or `undefined` means "use the default". */
export type RawSettings<K extends string = string> = Readonly<Partial<Record<K, unknown>>>;
/** Where a value was read; decides which of its setting's names an error message gives. */
export type SettingSource = 'env' | 'flag' | 'context' | 'prop';

/** The name a setting goes by where it was read: `MAX_AGE_DAYS`, `--max-age-days` or `maxAgeDays`. */
export function settingName(row: Setting, source: SettingSource): string {
  if (source === 'flag') return `--${row.flag}`;
  if (source === 'prop') return row.prop ?? row.context ?? '';
  return row[source] ?? '';
}

/**
 * Parses one value of a setting read from `source`: absent (undefined or null) gives its default;
 * a list's items are each checked. A ConfigError names the setting, the bad value, what is allowed.
 */
export function parseSetting<T extends Setting>(row: T, source: SettingSource, value: unknown) {
  const name = settingName(row, source);
  if (value === undefined || value === null) {
    if (row.default !== undefined) return row.default as SettingValue<T>;
    const absent = row.schema.safeParse(undefined);
    if (absent.success) return absent.data as SettingValue<T>;
    throw ConfigError.of([`${name} is required: ${row.allowed}`]);
  }
  const items = row.item ? splitList(value) : undefined;
  const bad = items?.find((item) => !row.item?.safeParse(item).success);
  if (bad !== undefined) throw ConfigError.of([notAllowedAs(name, bad, row.allowed)]);
  const result = row.schema.safeParse(items ?? value);
  if (!result.success) throw ConfigError.of([notAllowedAs(name, value, row.allowed)]);
  return result.data as SettingValue<T>;
}

/**
 * Parses the settings `keys` of a table from `raw` (keyed by setting), leaving out what parses to
 * nothing; one ConfigError names every bad one, so a configuration is fixed in one go.
 */
export function parseSettings<T extends Table, K extends keyof T & string>(
  table: T,
  keys: readonly K[],
  source: SettingSource,
  raw: RawSettings<K>,
): Parsed<T, K> {
  const parsed = ConfigError.gather(
    keys.map((key) => () => [key, parseSetting(table[key] as Setting, source, raw[key])]),
  );
  return Object.fromEntries(parsed.filter(([, value]) => value !== undefined)) as Parsed<T, K>;
}

/** The values a source (an environment, parsed flags) holds for a table, keyed by setting. */
export function valuesFrom(table: Table, source: 'env' | 'flag', input: RawSettings): RawSettings {
  return Object.fromEntries(
    Object.entries(table).map(([key, row]) => [key, row[source] && input[row[source]]]),
  );
}

/** A list from a comma-separated string (trimmed, empty items dropped) or an array; else undefined. */
export function splitList(value: unknown): unknown[] | undefined {
  if (typeof value === 'string') return value.split(',').flatMap((item) => item.trim() || []);
  return Array.isArray(value) ? value : undefined;
}
