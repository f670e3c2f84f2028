import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * A small validator of OCSF event records against the OCSF schema's own files, as stored in
 * test/data/ocsf/<version>/ (see its README): test code only. It checks what the schema files
 * say, and nothing they do not: required attributes, attributes the class or object defines,
 * enum values, the classification ids, and basic types, recursively through objects.
 */

/** The folder of the stored schema files of the version the records follow. */
export const OCSF_SCHEMA_DIR = resolve(import.meta.dirname, '../../data/ocsf/1.5.0-dev');

/**
 * The uid of the `findings` category in OCSF's categories.json, which is not stored: the one
 * fact the validator needs from it, and what the Compliance Finding's class_uid 2003 encodes.
 */
const CATEGORY_UIDS: Readonly<Record<string, number>> = { findings: 2 };

/** The classification ids a class's own enums do not list: they are checked by their rules. */
const CLASSIFICATION_IDS = new Set(['category_uid', 'class_uid', 'type_uid']);

type Enum = Record<string, { caption?: string }>;

/** An attribute as a class, an object or a profile declares it. */
interface AttributeSpec {
  readonly requirement?: string;
  readonly type?: string;
  readonly is_array?: boolean;
  readonly enum?: Enum;
  readonly profile?: string | null;
}

/** An attribute as the dictionary declares it. */
interface DictionaryEntry {
  readonly type: string;
  readonly is_array?: boolean;
  readonly enum?: Enum;
  readonly sibling?: string;
}

/** A class or object file: its name, what it extends, its attributes and includes. */
interface SchemaFile {
  readonly name: string;
  readonly uid?: number;
  readonly category?: string;
  readonly extends?: string;
  readonly profiles?: readonly string[];
  readonly attributes: Record<string, AttributeSpec> & { readonly $include?: readonly string[] };
  readonly constraints?: { readonly at_least_one?: readonly string[] };
}

/** The stored schema, loaded. */
export interface OcsfSchema {
  readonly version: string;
  readonly dictionary: Readonly<Record<string, DictionaryEntry>>;
  readonly types: Readonly<Record<string, { readonly type?: string }>>;
  /** Class and object files by name, and profile files by name. */
  readonly classes: ReadonlyMap<string, SchemaFile>;
  readonly objects: ReadonlyMap<string, SchemaFile>;
  readonly profiles: ReadonlyMap<string, SchemaFile>;
}

const readJson = <T>(dir: string, path: string): T =>
  JSON.parse(readFileSync(join(dir, path), 'utf8')) as T;

/** Loads the stored schema files of `dir`: version.json, the dictionary extract, classes, objects, profiles. */
export function loadOcsfSchema(dir: string = OCSF_SCHEMA_DIR): OcsfSchema {
  const byName = (paths: readonly string[]) =>
    new Map(paths.map((path) => readJson<SchemaFile>(dir, path)).map((file) => [file.name, file]));
  const dictionary = readJson<{
    attributes: Record<string, DictionaryEntry>;
    types: { attributes: Record<string, { type?: string }> };
  }>(dir, 'dictionary.extract.json');
  return {
    version: readJson<{ version: string }>(dir, 'version.json').version,
    dictionary: dictionary.attributes,
    types: dictionary.types.attributes,
    classes: byName([
      'events/base_event.json',
      'events/findings/finding.json',
      'events/findings/compliance_finding.json',
    ]),
    objects: byName(
      [
        'object',
        '_entity',
        '_resource',
        'account',
        'cloud',
        'compliance',
        'finding_info',
        'metadata',
        'product',
        'remediation',
        'resource_details',
      ].map((name) => `objects/${name}.json`),
    ),
    profiles: byName(['profiles/cloud.json']),
  };
}

/** A class's or object's attributes with its `extends` chain, merged (the child's words win). */
interface Merged {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, AttributeSpec & { readonly enums: readonly Enum[] }>;
  readonly atLeastOne: readonly string[];
}

/**
 * Merges a class or object down its `extends` chain, with the profiles the record applies
 * (`$include` of a profile not applied, and attributes that name such a profile, are left out:
 * they are not defined for this record). A profile the record applies but the schema does not
 * store is an error, not a silent pass.
 */
function merge(
  schema: OcsfSchema,
  files: ReadonlyMap<string, SchemaFile>,
  name: string,
  applied: ReadonlySet<string>,
  problems: string[],
): Merged {
  const chain: SchemaFile[] = [];
  for (
    let file = files.get(name);
    file;
    file = file.extends ? files.get(file.extends) : undefined
  ) {
    chain.unshift(file);
    if (file.extends && !files.has(file.extends)) {
      problems.push(`${file.name} extends ${file.extends}, which the stored schema does not hold`);
    }
  }
  const attributes = new Map<string, AttributeSpec & { enums: Enum[] }>();
  const add = (key: string, spec: AttributeSpec) => {
    if (typeof spec.profile === 'string' && !applied.has(spec.profile)) {
      attributes.delete(key);
      return;
    }
    const before = attributes.get(key);
    attributes.set(key, {
      ...before,
      ...spec,
      enums: [...(before?.enums ?? []), ...(spec.enum ? [spec.enum] : [])],
    });
  };
  for (const file of chain) {
    for (const include of file.attributes.$include ?? []) {
      const profileName = /^profiles\/(.+)\.json$/.exec(include)?.[1];
      if (profileName === undefined || !applied.has(profileName)) continue;
      const profile = schema.profiles.get(profileName);
      if (!profile) {
        problems.push(`profile ${profileName} is applied but the stored schema does not hold it`);
        continue;
      }
      for (const [key, spec] of Object.entries(profile.attributes)) {
        if (key !== '$include') add(key, { ...spec, profile: profileName });
      }
    }
    for (const [key, spec] of Object.entries(file.attributes)) {
      if (key !== '$include') add(key, spec as AttributeSpec);
    }
  }
  return {
    name,
    attributes,
    atLeastOne: chain.flatMap((file) => file.constraints?.at_least_one ?? []),
  };
}

/** The base type a data type comes down to (`timestamp_t` → `long_t`), or undefined for an object. */
function baseType(schema: OcsfSchema, type: string): string | undefined {
  let current = type;
  for (let depth = 0; depth < 5; depth += 1) {
    const declared = schema.types[current];
    if (declared === undefined) return undefined;
    if (declared.type === undefined) return current;
    current = declared.type;
  }
  return current;
}

const describeValue = (value: unknown): string =>
  Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;

/** Whether a value is of a base type: string, integer (integer_t, long_t), float, boolean, JSON. */
function ofBaseType(base: string, value: unknown): boolean {
  switch (base) {
    case 'string_t':
      return typeof value === 'string';
    case 'integer_t':
    case 'long_t':
      return Number.isInteger(value);
    case 'float_t':
      return typeof value === 'number';
    case 'boolean_t':
      return typeof value === 'boolean';
    case 'json_t':
      return true;
    default:
      return false;
  }
}

/**
 * The problems of one record of class `className` (empty when it is valid): each names the
 * attribute's path and says what the schema allows.
 */
export function validateOcsfRecord(
  schema: OcsfSchema,
  className: string,
  record: unknown,
): string[] {
  const problems: string[] = [];
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return [`a record is a JSON object, not ${describeValue(record)}`];
  }
  const event = record as Record<string, unknown>;
  const profilesValue = (event.metadata as { profiles?: unknown } | undefined)?.profiles;
  const applied = new Set(Array.isArray(profilesValue) ? profilesValue.map(String) : []);
  const classFile = schema.classes.get(className);
  if (!classFile) return [`class ${className} is not in the stored schema`];
  const classProfiles = new Set(
    [...chainOf(schema.classes, className)].flatMap((file) => file.profiles ?? []),
  );
  for (const profile of applied) {
    if (!classProfiles.has(profile)) {
      problems.push(
        `metadata.profiles names ${profile}, which ${className} does not take (it takes ${[...classProfiles].join(', ')})`,
      );
    }
  }

  const cache = new Map<string, Merged>();
  const objectOf = (name: string): Merged => {
    const found = cache.get(name);
    if (found) return found;
    const merged = merge(schema, schema.objects, name, applied, problems);
    cache.set(name, merged);
    return merged;
  };

  const visit = (
    value: Record<string, unknown>,
    merged: Merged,
    path: string,
    isClass: boolean,
  ) => {
    for (const [key, spec] of merged.attributes) {
      if (spec.requirement === 'required' && (value[key] === undefined || value[key] === null)) {
        problems.push(`${path}${key} is missing: ${merged.name} requires it`);
      }
    }
    if (
      merged.atLeastOne.length > 0 &&
      merged.atLeastOne.every((key) => value[key] === undefined)
    ) {
      problems.push(`${path.slice(0, -1)} needs at least one of ${merged.atLeastOne.join(', ')}`);
    }
    for (const [key, item] of Object.entries(value)) {
      const where = `${path}${key}`;
      const spec = merged.attributes.get(key);
      if (!spec) {
        problems.push(
          `${where} is not an attribute of ${merged.name} (it defines ${[...merged.attributes.keys()].sort().join(', ')})`,
        );
        continue;
      }
      const entry = schema.dictionary[key];
      if (!entry) {
        problems.push(
          `${where}: the stored dictionary extract has no entry for ${key}; add it from the same commit's dictionary.json`,
        );
        continue;
      }
      const type = spec.type ?? entry.type;
      const isArray = spec.is_array ?? entry.is_array ?? false;
      if (isArray !== Array.isArray(item)) {
        problems.push(
          `${where} is ${describeValue(item)}: expected ${isArray ? 'an array' : 'one value'} of ${type}`,
        );
        continue;
      }
      const enumValues: Enum = Object.assign({}, entry.enum, ...spec.enums);
      const checkOne = (one: unknown, at: string) => {
        const base = baseType(schema, type);
        if (base !== undefined) {
          if (!ofBaseType(base, one)) {
            problems.push(`${at} is ${describeValue(one)}: expected ${type} (${base})`);
            return;
          }
          const checksEnum = !(isClass && CLASSIFICATION_IDS.has(key));
          if (checksEnum && Object.keys(enumValues).length > 0 && !(String(one) in enumValues)) {
            problems.push(
              `${at} is ${JSON.stringify(one)}: not one of ${Object.keys(enumValues).join(', ')}`,
            );
            return;
          }
          const sibling = entry.sibling;
          const caption = enumValues[String(one)]?.caption;
          if (
            sibling &&
            caption &&
            String(one) !== '99' &&
            value[sibling] !== undefined &&
            value[sibling] !== caption
          ) {
            problems.push(
              `${path}${sibling} is ${JSON.stringify(value[sibling])}: ${key} ${JSON.stringify(one)} is ${JSON.stringify(caption)}`,
            );
          }
          return;
        }
        if (!schema.objects.has(type)) {
          problems.push(`${at} is of type ${type}, which the stored schema does not hold`);
          return;
        }
        if (typeof one !== 'object' || one === null || Array.isArray(one)) {
          problems.push(`${at} is ${describeValue(one)}: expected a ${type} object`);
          return;
        }
        visit(one as Record<string, unknown>, objectOf(type), `${at}.`, false);
      };
      if (Array.isArray(item)) {
        for (const [i, one] of item.entries()) checkOne(one, `${where}[${i}]`);
      } else {
        checkOne(item, where);
      }
    }
  };

  visit(event, merge(schema, schema.classes, className, applied, problems), '', true);

  // The classification ids, by the rules the schema states (base_event's enums list only 0).
  const category = [...chainOf(schema.classes, className)].map((f) => f.category).findLast(Boolean);
  const categoryUid = category === undefined ? undefined : CATEGORY_UIDS[category];
  if (categoryUid === undefined || classFile.uid === undefined) {
    problems.push(`${className} has no category uid or class uid the validator knows`);
  } else {
    const classUid = categoryUid * 1000 + classFile.uid;
    if (event.category_uid !== categoryUid) {
      problems.push(
        `category_uid is ${JSON.stringify(event.category_uid)}: ${className} is in category ${category} (${categoryUid})`,
      );
    }
    if (event.class_uid !== classUid) {
      problems.push(`class_uid is ${JSON.stringify(event.class_uid)}: ${className} is ${classUid}`);
    }
    const expected = classUid * 100 + Number(event.activity_id);
    if (event.type_uid !== expected) {
      problems.push(
        `type_uid is ${JSON.stringify(event.type_uid)}: class_uid * 100 + activity_id is ${expected}`,
      );
    }
  }
  return problems;
}

/** A class and what it extends, from the root down. */
function* chainOf(files: ReadonlyMap<string, SchemaFile>, name: string): Generator<SchemaFile> {
  const chain: SchemaFile[] = [];
  for (
    let file = files.get(name);
    file;
    file = file.extends ? files.get(file.extends) : undefined
  ) {
    chain.unshift(file);
  }
  yield* chain;
}
