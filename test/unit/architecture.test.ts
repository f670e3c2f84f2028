import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verdictTableMarkdown } from '../../lambda/core/checks/table';
import { ENVIRONMENT_NAMES, POLICY_KEYS, SETTINGS } from '../../lambda/core/settings';
import { normalizeTable, sectionOf } from '../../tools/docs';

const ROOT = resolve(import.meta.dirname, '../..');
const SOURCE_DIRS = ['bin', 'cli', 'lambda', 'lib', 'scripts', 'tools'];

/** Every TypeScript file under the source folders, relative to the repository. */
function sourceFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? entry.name === 'node_modules'
          ? []
          : walk(join(dir, entry.name))
        : entry.name.endsWith('.ts')
          ? [join(dir, entry.name)]
          : [],
    );
  return SOURCE_DIRS.flatMap(walk);
}

/** The module specifiers a file imports (static, dynamic and side-effect imports). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g)) {
    if (match[1]) found.push(match[1]);
  }
  return found;
}

/** Local imports resolved to repository paths (with .ts). */
function localImportsOf(file: string): string[] {
  return importsOf(file)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => {
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
      return target.endsWith('.ts') ? target : `${target}.ts`;
    });
}

/** The source of every file of `lambda/` and `cli/`, for the wiring rules below. */
function codeSources(files: readonly string[]): { file: string; text: string }[] {
  return files
    .filter((file) => file.startsWith('lambda/') || file.startsWith('cli/'))
    .map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') }));
}

/**
 * AWS clients built (`new XClient(`) outside `lambda/aws/`, or without CLIENT_DEFAULTS
 * (timeouts and the tool's user agent, which the record of calls the permissions proof reads
 * relies on).
 */
function misbuiltClients(sources: readonly { file: string; text: string }[]): string[] {
  return sources.flatMap(({ file, text }) =>
    [...text.matchAll(/new (\w+Client)\(([^)]*)/g)]
      .filter(
        (match) =>
          !file.startsWith('lambda/aws/') || !(match[2] ?? '').includes('...CLIENT_DEFAULTS'),
      )
      .map((match) => `${file}: new ${match[1]}(`),
  );
}

/** Sinks built outside the registry (lambda/sinks/registry.ts), the one place that wires them. */
function sinksWiredOutsideTheRegistry(
  sources: readonly { file: string; text: string }[],
): string[] {
  return sources
    .filter(({ file }) => file !== 'lambda/sinks/registry.ts')
    .flatMap(({ file, text }) =>
      [
        ...text.matchAll(
          /\b(archiveSink|snsSink|securityHubSink|orgArchiveSink|orgSnsSink|lazySink)\(/g,
        ),
      ]
        // A sink module defines its own factory: `export function archiveSink(`.
        .filter((match) => !new RegExp(`function ${match[1]}\\(`).test(text))
        .map((match) => `${file}: ${match[1]}(`),
    );
}

/** The source of every file of `lambda/`, `cli/` and `lib/`, comments removed (they may name anything). */
function codeAndConstructSources(files: readonly string[]): { file: string; text: string }[] {
  return files
    .filter((file) => /^(lambda|cli|lib)\//.test(file))
    .map((file) => ({ file, text: withoutComments(readFileSync(join(ROOT, file), 'utf8')) }));
}

/** Source without its comments: block comments, and line comments after white space. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
}

/**
 * Environment variable names written outside the settings tables (lambda/core/settings.ts): a
 * name the tables declare, spelt out anywhere else, and a variable read by a literal name the
 * tables do not declare (the SDK's own `AWS_*` and the bundle's build-time define aside).
 */
function environmentNamesOutsideTheTables(
  sources: readonly { file: string; text: string }[],
): string[] {
  const declared = new RegExp(
    `(?<![A-Za-z0-9_])(${ENVIRONMENT_NAMES.join('|')})(?![A-Za-z0-9_])`,
    'g',
  );
  const read = /env(?:\.|\[['"`])([A-Z][A-Z0-9_]*)/g;
  const foreign = (name: string) =>
    !ENVIRONMENT_NAMES.includes(name) &&
    !name.startsWith('AWS_') &&
    name !== 'SIGNING_CERT_AUDIT_SECURITY_HUB_BUNDLED';
  return sources
    .filter(({ file }) => file !== 'lambda/core/settings.ts')
    .flatMap(({ file, text }) => [
      ...[...text.matchAll(declared)].map((match) => `${file}: ${match[1]}`),
      ...[...text.matchAll(read)]
        .filter((match) => foreign(match[1] ?? ''))
        .map((match) => `${file}: reads ${match[1]}`),
    ]);
}

/** The identifier patterns of lambda/core/patterns.ts, by a fragment each is recognised by. */
const PATTERN_FRAGMENTS = [
  '\\d{12}',
  '[\\w+=,.@-]{1,64}',
  'ou-[0-9a-z]',
  'r-[0-9a-z]',
  'o-[a-z0-9]',
];

/** Identifier patterns written outside lambda/core/patterns.ts. */
function patternsOutsideTheirModule(sources: readonly { file: string; text: string }[]): string[] {
  return sources
    .filter(({ file }) => file !== 'lambda/core/patterns.ts')
    .flatMap(({ file, text }) => {
      // A pattern in a string is written with doubled backslashes: read both forms alike.
      const plain = text.replaceAll('\\\\', '\\');
      return PATTERN_FRAGMENTS.filter((fragment) => plain.includes(fragment)).map(
        (fragment) => `${file}: ${fragment}`,
      );
    });
}

describe('the shape of the code', () => {
  const files = sourceFiles();

  it('builds every AWS client in lambda/aws/, with CLIENT_DEFAULTS (the permissions proof sees each call)', () => {
    const sources = codeSources(files);
    const built = sources.flatMap(({ text }) => [...text.matchAll(/new \w+Client\(/g)]);

    expect(built.length).toBeGreaterThanOrEqual(6);
    expect(misbuiltClients(sources)).toEqual([]);
    // The rule can fail: a client built in a sink, and one without the defaults.
    expect(
      misbuiltClients([
        { file: 'lambda/sinks/new.ts', text: 'new S3Client({ ...CLIENT_DEFAULTS })' },
        { file: 'lambda/aws/new.ts', text: 'new S3Client({ region })' },
      ]),
    ).toEqual(['lambda/sinks/new.ts: new S3Client(', 'lambda/aws/new.ts: new S3Client(']);
  });

  it('wires every sink through the registry', () => {
    const sources = codeSources(files);

    expect(sinksWiredOutsideTheRegistry(sources)).toEqual([]);
    // The rule can fail: a handler that builds its own sink.
    expect(
      sinksWiredOutsideTheRegistry([
        { file: 'lambda/handlers/new.ts', text: 'const sinks = [snsSink(sns, topicArn)];' },
      ]),
    ).toEqual(['lambda/handlers/new.ts: snsSink(']);
  });

  it('writes every environment variable name in the settings tables only', () => {
    const sources = codeAndConstructSources(files);

    expect(environmentNamesOutsideTheTables(sources)).toEqual([]);
    // The rule can fail: a name spelt out in a handler, and a variable the tables do not know.
    expect(
      environmentNamesOutsideTheTables([
        { file: 'lambda/handlers/new.ts', text: "const role = env['MEMBER_ROLE_NAME'];" },
        { file: 'cli/new.ts', text: 'const hook = env.WEBHOOK_URL;' },
        { file: 'lib/new.ts', text: "environment: { INCLUDE_OUS: '' }" },
      ]),
    ).toEqual([
      'lambda/handlers/new.ts: MEMBER_ROLE_NAME',
      'cli/new.ts: reads WEBHOOK_URL',
      'lib/new.ts: INCLUDE_OUS',
    ]);
  });

  it('writes every identifier pattern (account, role, OU, root, organization) in lambda/core/patterns.ts only', () => {
    const sources = codeAndConstructSources(files);

    expect(patternsOutsideTheirModule(sources)).toEqual([]);
    // The rule can fail: an account id pattern written again, in a regex and in a string.
    expect(
      patternsOutsideTheirModule([
        { file: 'cli/new.ts', text: 'if (!/^\\d{12}$/.test(id)) throw error;' },
        { file: 'lib/new.ts', text: "allowedPattern: '^o-[a-z0-9]{10,32}$'" },
      ]),
    ).toEqual(['cli/new.ts: \\d{12}', 'lib/new.ts: o-[a-z0-9]']);
  });

  it('has no import cycle', () => {
    const graph = new Map(files.map((file) => [file, localImportsOf(file)]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);

    expect(files.length).toBeGreaterThan(20);
    expect(cycles).toEqual([]);
  });

  it('keeps lambda/core pure: no AWS SDK, Lambda runtime or adapter imports', () => {
    const offending = files
      .filter((file) => file.startsWith('lambda/core/'))
      .flatMap((file) =>
        importsOf(file)
          .filter((spec) =>
            /^@aws-sdk\/|^@aws-lambda-powertools\/|^aws-lambda$|^aws-cdk-lib/.test(spec),
          )
          .concat(localImportsOf(file).filter((target) => !target.startsWith('lambda/core/')))
          .map((spec) => `${file} imports ${spec}`),
      );

    expect(offending).toEqual([]);
  });

  it('keeps lambda/render pure: it reads the model and renders, with no AWS import', () => {
    const offending = files
      .filter((file) => file.startsWith('lambda/render/'))
      .flatMap((file) =>
        importsOf(file)
          .filter((spec) => /^@aws-sdk\/|^@aws-lambda-powertools\/|^aws-cdk-lib/.test(spec))
          .concat(
            localImportsOf(file).filter(
              (target) =>
                !target.startsWith('lambda/core/') && !target.startsWith('lambda/render/'),
            ),
          )
          .map((spec) => `${file} imports ${spec}`),
      );

    expect(offending).toEqual([]);
  });

  it('keeps the function code free of the CDK, the CLI and the tests', () => {
    const offending = files
      .filter((file) => file.startsWith('lambda/'))
      .flatMap((file) =>
        localImportsOf(file)
          .filter((target) => !target.startsWith('lambda/'))
          .concat(importsOf(file).filter((spec) => spec.startsWith('aws-cdk-lib')))
          .map((target) => `${file} imports ${target}`),
      );

    expect(offending).toEqual([]);
  });

  it('never imports test code from the scripts, tools or code', () => {
    const offending = files.flatMap((file) =>
      localImportsOf(file)
        .filter((target) => target.startsWith('test/'))
        .map((target) => `${file} imports ${target}`),
    );

    expect(offending).toEqual([]);
  });
});

describe('the construct props', () => {
  it('document every policy setting with the default the settings table declares', () => {
    const source = readFileSync(join(ROOT, 'lib/signing-cert-auditor.ts'), 'utf8');
    const documented = new Map(
      [...source.matchAll(/@default ([^\n]+)\n\s*\*\/\n\s*readonly (\w+)\?:/g)].map((m) => [
        m[2],
        m[1]?.trim(),
      ]),
    );

    for (const key of POLICY_KEYS) {
      const { default: value } = SETTINGS[key];
      const expected =
        value === undefined
          ? documented.get(key)
          : typeof value === 'string'
            ? `'${value}'`
            : Array.isArray(value)
              ? `[${value.map((item) => `'${item}'`).join(', ')}]`
              : String(value);
      expect({ key, documented: documented.get(key) }).toEqual({ key, documented: expected });
      expect(documented.has(key)).toBe(true);
    }
  });
});

describe('the verdicts reference', () => {
  it('holds the verdict table generated from the checks (npm run docs)', () => {
    const page = readFileSync(join(ROOT, 'docs/reference/verdicts.md'), 'utf8');

    expect(sectionOf(page, 'verdicts')).toBe(normalizeTable(verdictTableMarkdown()));
  });
});
