import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiFingerprint, emitDeclarations, stampedFingerprint } from '../../scripts/api-docs';
import {
  FAILING_RULE,
  FAILING_RULE_PAGES,
  GENERATED_SECTIONS,
  normalizeTable,
  sectionOf,
} from '../../tools/docs';

/**
 * The docs are true to the repository: every path they name exists, every `npm run` script they
 * name is in package.json, every link between pages resolves (anchors too), every generated
 * section is current, and nothing refers to a file outside the repository.
 */
const ROOT = resolve(import.meta.dirname, '../..');

/** README.md and every page under docs/, relative to the repository. */
function pages(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? walk(join(dir, entry.name))
        : entry.name.endsWith('.md')
          ? [join(dir, entry.name)]
          : [],
    );
  return ['README.md', ...walk('docs')];
}

const TOP = /^(bin|cli|lib|lambda|test|tools|scripts|docs|\.ci)\//;

/** Repository paths named in inline code (`lambda/core/settings.ts`) that do not exist. */
function missingPaths(page: string, text: string, exists: (path: string) => boolean): string[] {
  const missing: string[] = [];
  for (const match of text.matchAll(/`([^`\s]+)`/g)) {
    const path = (match[1] as string).replace(/[.,;:)]+$/, '').replace(/^\.\//, '');
    if (!TOP.test(path) || /[*<>{}$]/.test(path)) continue;
    // `lambda/sinks/registry.ts#L10` and `file.ts:12` name the file.
    const file = path.replace(/[#:].*$/, '');
    if (!exists(file)) missing.push(`${page}: ${file}`);
  }
  return missing;
}

/** `npm run X` the page names that package.json does not define. */
function missingScripts(page: string, text: string, scripts: ReadonlySet<string>): string[] {
  return [...text.matchAll(/npm run (?:-s )?([\w:-]+)/g)]
    .map((match) => match[1] as string)
    .filter((name) => !scripts.has(name))
    .map((name) => `${page}: npm run ${name}`);
}

/** The commands a page shows: its fenced blocks' lines and its inline code spans. */
function codeOf(text: string): string[] {
  const blocks = [...text.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].flatMap((match) =>
    (match[1] as string).split('\n'),
  );
  const inline = [...text.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map(
    (match) => match[1] as string,
  );
  return [...blocks, ...inline];
}

/**
 * Every `npx` a page shows that could fetch a package from the registry: npx given a name its
 * project does not have installs it, and without a terminal (a script, CI) without asking, so a
 * name someone else registers would run. `npx --no-install` never installs; `npx -y NAME@VERSION`
 * asks the registry on purpose for one version of a package it names (node@26, to run Node.js 26).
 */
function npxThatMayFetch(page: string, text: string): string[] {
  return codeOf(text)
    .filter((code) =>
      /(^|[\s;&|(])npx\s+(?!--no-install\b)(?!(-y|--yes)\s+[\w@/.-]+@\d)/.test(code),
    )
    .map((code) => `${page}: ${code.trim()}`);
}

/** `cdk synth … > FILE.json` without `--json`: the CDK CLI prints YAML unless told otherwise. */
function yamlIntoJson(page: string, text: string): string[] {
  return codeOf(text)
    .filter((code) => /\bcdk synth\b.*>\s*\S+\.json/.test(code) && !/\s--json\b/.test(code))
    .map((code) => `${page}: ${code.trim()}`);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slugOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(text: string): Set<string> {
  const withoutCode = text.replace(/```[\s\S]*?```/g, '');
  return new Set(
    [...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((match) => slugOf(match[1] as string)),
  );
}

/** Links between pages (`[text](docs/cli.md#anchor)`) whose file or anchor does not exist. */
function brokenLinks(
  page: string,
  text: string,
  read: (path: string) => string | undefined,
): string[] {
  const broken: string[] = [];
  const withoutCode = text.replace(/```[\s\S]*?```/g, '');
  for (const match of withoutCode.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1] as string;
    if (/^[a-z]+:/.test(target)) continue;
    const [file = '', anchor] = target.split('#');
    const path = file === '' ? page : relative(ROOT, resolve(ROOT, dirname(page), file));
    const content = read(path);
    if (content === undefined) {
      broken.push(`${page}: ${target} (no ${path})`);
      continue;
    }
    if (anchor && path.endsWith('.md') && !anchorsOf(content).has(anchor)) {
      broken.push(`${page}: ${target} (no heading #${anchor} in ${path})`);
    }
  }
  return broken;
}

const read = (path: string) => {
  const full = join(ROOT, path);
  if (!existsSync(full)) return undefined;
  try {
    return readFileSync(full, 'utf8');
  } catch {
    // A directory: it exists, and has no headings.
    return '';
  }
};

describe('the docs', () => {
  const all = pages().map((page) => ({ page, text: readFileSync(join(ROOT, page), 'utf8') }));
  const scripts = new Set(
    Object.keys(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts,
    ),
  );

  it('are the README and the pages under docs/', () => {
    expect(all.map((p) => p.page)).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/cli.md',
        'docs/emulator.md',
        'docs/deploy-account.md',
        'docs/deploy-organization.md',
        'docs/evidence.md',
        'docs/security-hub.md',
        'docs/restore.md',
        'docs/library.md',
        'docs/reference/api/README.md',
        'docs/reference/settings.md',
        'docs/reference/report.md',
        'docs/reference/verdicts.md',
        'docs/reference/permissions.md',
        'docs/design/reliability-and-scale.md',
        'docs/contributing/architecture.md',
        'docs/contributing/adding-a-check.md',
        'docs/contributing/adding-a-sink.md',
        'docs/contributing/adding-a-trigger.md',
      ]),
    );
  });

  it('keep the README a map: at most 15 KB', () => {
    expect(Buffer.byteLength(readFileSync(join(ROOT, 'README.md')))).toBeLessThanOrEqual(15_360);
  });

  it('name only paths that exist', () => {
    expect(
      all.flatMap(({ page, text }) => missingPaths(page, text, (p) => existsSync(join(ROOT, p)))),
    ).toEqual([]);
  });

  it('name only npm scripts that exist', () => {
    expect(all.flatMap(({ page, text }) => missingScripts(page, text, scripts))).toEqual([]);
  });

  it('link only to pages and headings that exist', () => {
    expect(all.flatMap(({ page, text }) => brokenLinks(page, text, read))).toEqual([]);
  });

  it('show no npx that could fetch a package from the registry: each is npx --no-install', () => {
    expect(all.flatMap(({ page, text }) => npxThatMayFetch(page, text))).toEqual([]);
  });

  it('redirect cdk synth into a .json file only with --json', () => {
    expect(all.flatMap(({ page, text }) => yamlIntoJson(page, text))).toEqual([]);
  });

  it('hold every section generated from the code as the code renders it (npm run docs)', () => {
    for (const section of GENERATED_SECTIONS) {
      const text = readFileSync(join(ROOT, section.file), 'utf8');
      expect({ file: section.file, section: sectionOf(text, section.name) }).toEqual({
        file: section.file,
        section: normalizeTable(section.render()),
      });
    }
  });

  it('state what failing means in one sentence, the same on each page that states it', () => {
    // The CLI's page and Security Hub's once disagreed on an over-age Inactive certificate.
    const stated = FAILING_RULE_PAGES.map((page) => {
      const text = readFileSync(join(ROOT, page), 'utf8');
      return {
        page,
        rule: text.includes('<!-- failing-rule:start -->') && sectionOf(text, 'failing-rule'),
      };
    });

    expect(stated).toEqual(FAILING_RULE_PAGES.map((page) => ({ page, rule: FAILING_RULE })));
    // The control: a page in other words is found.
    const reworded = `<!-- failing-rule:start -->\n${FAILING_RULE.replace('PASSED', 'FAILED')}\n<!-- failing-rule:end -->`;
    expect(sectionOf(reworded, 'failing-rule')).not.toBe(FAILING_RULE);
  });

  it('hold the API reference generated from the declarations as they are (npm run docs:api)', () => {
    const out = emitDeclarations();
    const fingerprint = apiFingerprint(out);

    expect(stampedFingerprint()).toBe(fingerprint);
    // The control: a TSDoc line changed in a declaration the index reaches changes the fingerprint.
    const props = join(out, 'lib/signing-cert-auditor.d.ts');
    writeFileSync(props, readFileSync(props, 'utf8').replace('@default 90', '@default 91'));
    expect(apiFingerprint(out)).not.toBe(fingerprint);
  }, 60_000);

  it('can fail: a stale path, an unknown script, a broken link and a missing anchor are each found', () => {
    const planted =
      'See `lambda/config.ts`, run `npm run nothing`, read [x](docs/none.md) and [y](README.md#no-such-heading).';

    expect(missingPaths('p.md', planted, (p) => existsSync(join(ROOT, p)))).toEqual([
      'p.md: lambda/config.ts',
    ]);
    expect(missingScripts('p.md', planted, scripts)).toEqual(['p.md: npm run nothing']);
    expect(brokenLinks('p.md', planted, read)).toEqual([
      'p.md: docs/none.md (no docs/none.md)',
      'p.md: README.md#no-such-heading (no heading #no-such-heading in README.md)',
    ]);
  });

  it('can fail: an npx that may fetch and a YAML template in a .json file are each found', () => {
    const planted = [
      'Run `npx signing-cert-audit --help`, or `npx --no-install signing-cert-audit --help`.',
      '```bash',
      'npx cdk deploy',
      'npx --no-install cdk synth --json -c deployment=member > member.template.json',
      'npx --no-install cdk synth -c deployment=member > member.template.json',
      'x && npx -y jsii',
      '```',
      'Prose that says npx runs something is not a command.',
    ].join('\n');

    expect(npxThatMayFetch('p.md', planted)).toEqual([
      'p.md: npx cdk deploy',
      'p.md: x && npx -y jsii',
      'p.md: npx signing-cert-audit --help',
    ]);
    expect(yamlIntoJson('p.md', planted)).toEqual([
      'p.md: npx --no-install cdk synth -c deployment=member > member.template.json',
    ]);
  });
});

describe('the project', () => {
  it('refers to no file outside the repository', () => {
    const tracked = ['README.md', ...pages(), 'package.json'];
    const walk = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? entry.name === 'node_modules'
            ? []
            : walk(join(dir, entry.name))
          : /\.(ts|js|py|md)$/.test(entry.name)
            ? [join(dir, entry.name)]
            : [],
      );
    const files = [
      ...tracked,
      ...['bin', 'cli', 'lib', 'lambda', 'tools', 'scripts', 'test'].flatMap(walk),
    ];
    const outside = files.filter((file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      // Written in two pieces so this test does not find itself.
      return text.includes(`../${'shared'}`) || text.includes(`DESIGN${'.md'}`);
    });

    expect(outside).toEqual([]);
  });
});
