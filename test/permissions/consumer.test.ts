import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { assemblyDeployment } from './deployments';
import { type DeploymentProof, proveDeployment } from './proof';
import { loadCallRecord } from './record';

/**
 * The package as a platform team adopts it: `npm pack`, then a CDK app of their own in an empty
 * directory that installs aws-cdk-lib, constructs, cdk-nag and the tarball, adds the auditor with
 * a few props, and synthesizes with cdk-nag. What it deploys is then held to the permissions
 * proof like the repository's own stacks.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const versionOf = (name: string) =>
  (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

/** The consumer's whole app, as docs/library.md shows it (its `js consumer-app` block). */
const APP =
  /```js consumer-app\n([\s\S]*?)```/.exec(
    readFileSync(join(ROOT, 'docs/library.md'), 'utf8'),
  )?.[1] ?? '';

let tarball: string;
let files: string[];
let consumer: string;

/** A script's words that name a path: `scripts/build.ts`, `./dist/bin/cli.js`, `dist/lib/`. */
const PATH_LIKE = /^(?:\.\/)?[\w@.-]+(?:\/[\w@.-]*)+$|^[\w@.-]+\.(?:[cm]?[jt]s|json)$/;

/**
 * What the scripts of a manifest name that the package does not hold: a path not among `shipped`
 * (nor a folder of one), or an `npm run X` whose X the manifest does not define; as `name: ref`.
 */
function danglingReferences(
  scripts: Readonly<Record<string, string>>,
  shipped: readonly string[],
): string[] {
  const held = (path: string) =>
    shipped.some((file) => file === path || file.startsWith(`${path.replace(/\/$/, '')}/`));
  return Object.entries(scripts).flatMap(([name, command]) => {
    const paths = command
      .split(/[\s;&|()]+/)
      .map((word) => word.replace(/^['"]|['"]$/g, ''))
      .filter((word) => !word.startsWith('-') && !word.includes('=') && PATH_LIKE.test(word))
      .map((word) => word.replace(/^\.\//, ''))
      .filter((path) => !held(path));
    const runs = [...command.matchAll(/npm run(?:-script)?\s+(?:-\S+\s+)*([\w:.-]+)/g)]
      .map((match) => match[1] as string)
      .filter((script) => !(script in scripts))
      .map((script) => `npm run ${script}`);
    return [...paths, ...runs].map((ref) => `${name}: ${ref}`);
  });
}

beforeAll(() => {
  const packs = mkdtempSync(join(tmpdir(), 'signing-cert-audit-pack-'));
  // npm pack runs prepack: the package is built from these sources, as a publish would, and its
  // manifest packed without the repository's scripts (scripts/pack-manifest.ts).
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', packs], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  ) as { filename: string; files: { path: string }[] }[];
  tarball = join(packs, packed[0]?.filename ?? '');
  files = (packed[0]?.files ?? []).map((f) => f.path);

  consumer = mkdtempSync(join(tmpdir(), 'signing-cert-audit-consumer-'));
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({
      name: 'platform-audit',
      private: true,
      type: 'module',
      dependencies: {
        'aws-cdk-lib': versionOf('aws-cdk-lib'),
        constructs: versionOf('constructs'),
        'cdk-nag': versionOf('cdk-nag'),
        'signing-cert-audit': `file:${tarball}`,
      },
    }),
  );
  if (!APP.includes('new SigningCertAuditor('))
    throw new Error('docs/library.md has no consumer-app block');
  writeFileSync(join(consumer, 'app.mjs'), APP);
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: consumer,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  execFileSync(process.execPath, ['app.mjs'], {
    cwd: consumer,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}, 600_000);

describe('the packed package', () => {
  it('holds the compiled library, the CLI and the pre-built handlers, and no tests or sources', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'CHANGELOG.md',
        'dist/lib/index.js',
        'dist/lib/index.d.ts',
        'dist/lib/signing-cert-auditor.d.ts',
        'dist/bin/cli.js',
        'dist/handlers/scheduled/index.mjs',
        'dist/handlers/scheduled-without-security-hub/index.mjs',
        'dist/handlers/org-worker/index.mjs',
      ]),
    );
    expect(files.filter((f) => /(^|\/)test\/|\.test\.|^tools\/|^scripts\//.test(f))).toEqual([]);
    // TypeScript is in it as declarations only: nothing runs from a source file.
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('keeps no script in its package.json that names a file or script the tarball does not hold', () => {
    // npm lists a packed `prepare` as an install script to approve, and its scripts/ folder is
    // not shipped; installing from the git repository still runs it (the repository keeps it).
    const packed = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    ) as { scripts?: Record<string, string>; bin: Record<string, string> };
    const repository = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };

    expect(danglingReferences(packed.scripts ?? {}, files)).toEqual([]);
    // The package itself is whole: its command line is in it.
    expect(files).toContain(packed.bin['signing-cert-audit']);
    // The control: the repository's own manifest names what the tarball leaves out, and a
    // script that runs another it does not define is found too.
    expect(danglingReferences(repository.scripts, files)).toEqual(
      expect.arrayContaining([
        'prepare: scripts/build-handlers.ts',
        'prepare: scripts/build-package.ts',
      ]),
    );
    expect(danglingReferences({ audit: 'node ./dist/bin/cli.js' }, files)).toEqual([]);
    expect(danglingReferences({ all: 'npm run -s build && vitest run' }, files)).toEqual([
      'all: npm run build',
    ]);
  });

  it('installs in a new app without esbuild, tsx or TypeScript', () => {
    const installed = (root: string): string[] =>
      readdirSync(root).flatMap((name) => {
        const path = join(root, name);
        if (!statSync(path).isDirectory()) return [];
        if (name.startsWith('@')) return installed(path).map((inner) => `${name}/${inner}`);
        const nested = join(path, 'node_modules');
        return [name, ...(existsSync(nested) ? installed(nested) : [])];
      });
    const packages = installed(join(consumer, 'node_modules'));

    expect(packages).toContain('signing-cert-audit');
    expect(packages).toContain('aws-cdk-lib');
    expect(packages.filter((p) => /(^|\/)(esbuild|tsx|typescript|@esbuild\/.*)$/.test(p))).toEqual(
      [],
    );
  });

  it("runs the CLI from the consumer's node_modules/.bin, compiled", () => {
    const bin = join(consumer, 'node_modules/.bin/signing-cert-audit');
    const run = (arg: string) =>
      execFileSync(bin, [arg], {
        cwd: consumer,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '' },
      });

    expect(run('--version').trim()).toBe(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
    expect(run('--help')).toContain('Usage: signing-cert-audit [flags]');
  });
});

describe("the consumer's app", () => {
  let proof: DeploymentProof;
  beforeAll(async () => {
    proof = await proveDeployment(
      loadCallRecord(),
      assemblyDeployment('consumer · deactivate', join(consumer, 'cdk.out'), 'PlatformAudit', {
        mode: 'deactivate',
        scanStrategy: 'full',
        userPathPrefix: '/',
        securityHub: false,
        memberRoleName: 'SigningCertAuditMember',
        selection: { includeOus: false, excludeOus: false },
      }),
    );
  });

  it('synthesizes with cdk-nag clean (synth fails on any unacknowledged finding), deploying the pre-built handler', () => {
    const template = JSON.parse(
      readFileSync(join(consumer, 'cdk.out/PlatformAudit.template.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const functions = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler',
    );

    expect(functions.map((f) => f.Properties.Runtime)).toEqual(['nodejs24.x']);
    expect(JSON.stringify(functions[0]?.Properties.Environment)).toContain('"MODE":"deactivate"');
    // The asset is the packed handler, chunks and all, with nothing to build.
    const assets = readdirSync(join(consumer, 'cdk.out')).filter((f) => f.startsWith('asset.'));
    expect(assets.some((a) => existsSync(join(consumer, 'cdk.out', a, 'index.mjs')))).toBe(true);
  });

  it('holds to the permissions proof: every call allowed, every grant used, every refusal held', () => {
    expect(proof.expected.filter((v) => v.request.origin === 'recorded').length).toBeGreaterThan(
      100,
    );
    expect(proof.expected.filter((v) => v.result !== 'Allowed' && v.result !== 'Outside')).toEqual(
      [],
    );
    expect(proof.unexercised).toEqual([]);
    expect(proof.refusals.length).toBeGreaterThan(0);
    expect(proof.refusals.filter((v) => !v.result.endsWith('Denied'))).toEqual([]);
  });
});
