import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { POLICY_DEFAULTS } from '../../lambda/core/settings';
import { TESTED_NODE_RUNTIMES } from '../../lib/runtime';
import { assemblyDeployment } from './deployments';
import { type DeploymentProof, proveDeployment } from './proof';
import { loadCallRecord } from './record';

/**
 * The package as a platform team adopts it: `npm pack`, then CDK apps of their own that install
 * the tarball and add the auditor exactly as docs/library.md shows, and synthesize with
 * cdk-nag. The ES module app pins the oldest aws-cdk-lib the peer range claims; the apps that
 * the CDK CLI's own `cdk init` makes (TypeScript and JavaScript, both CommonJS, and a
 * TypeScript app run by ts-node as older apps are) take the newest aws-cdk-lib, constructs and
 * cdk-nag the registry has when the test runs. What the ES module app deploys is then held to
 * the permissions proof like the repository's own stacks.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const versionOf = (name: string) =>
  (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  peerDependencies: Record<string, string>;
};
/** The oldest aws-cdk-lib the peer range claims (`^2.276.0` → 2.276.0). */
const OLDEST_CDK_LIB = /^\^(\d+\.\d+\.\d+)$/.exec(
  manifest.peerDependencies['aws-cdk-lib'] ?? '',
)?.[1];

const LIBRARY_PAGE = readFileSync(join(ROOT, 'docs/library.md'), 'utf8');
/** A code block of docs/library.md by its tag (```js consumer-app …```). */
function documented(tag: string): string {
  const block = new RegExp(`\`\`\`${tag}\\n([\\s\\S]*?)\`\`\``).exec(LIBRARY_PAGE)?.[1];
  if (block === undefined) throw new Error(`docs/library.md has no ${tag} block`);
  return block;
}

/** The consumer's whole app, as docs/library.md shows it (its `js consumer-app` block). */
const APP = documented('js consumer-app');

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

let tarball: string;
let files: string[];
let consumer: string;

beforeAll(() => {
  const packs = mkdtempSync(join(tmpdir(), 'signing-cert-audit-pack-'));
  // npm pack runs prepack: the package is built from these sources, as a publish would.
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
  if (OLDEST_CDK_LIB === undefined) throw new Error('the aws-cdk-lib peer range is not ^x.y.z');
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({
      name: 'platform-audit',
      private: true,
      type: 'module',
      dependencies: {
        'aws-cdk-lib': OLDEST_CDK_LIB,
        constructs: versionOf('constructs'),
        'cdk-nag': versionOf('cdk-nag'),
        'signing-cert-audit': `file:${tarball}`,
      },
    }),
  );
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
        // The consumer's app names no kind: the settings table's defaults.
        credentialKinds: POLICY_DEFAULTS.credentialKinds,
        remediateKinds: POLICY_DEFAULTS.remediateKinds,
        deleteServiceCredentials: POLICY_DEFAULTS.deleteServiceCredentials,
        securityHub: false,
        memberRoleName: 'SigningCertAuditMember',
        selection: { includeOus: false, excludeOus: false },
        realtime: false,
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

    // The oldest aws-cdk-lib knows nodejs24.x as its newest Node.js runtime.
    expect(versionOf('aws-cdk-lib') >= (OLDEST_CDK_LIB ?? '')).toBe(true);
    expect(
      (
        JSON.parse(
          readFileSync(join(consumer, 'node_modules/aws-cdk-lib/package.json'), 'utf8'),
        ) as { version: string }
      ).version,
    ).toBe(OLDEST_CDK_LIB);
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

/** What `cdk synth` in an app printed, and its status. */
interface Synth {
  readonly status: number;
  readonly output: string;
}

const run = promisify(execFile);

/** Runs a command in an app, without throwing: its status and everything it printed. */
async function runIn(
  dir: string,
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Synth> {
  try {
    const { stdout, stderr } = await run(command, [...args], {
      cwd: dir,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000,
    });
    return { status: 0, output: `${stdout}${stderr}` };
  } catch (error: unknown) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      status: typeof failed.code === 'number' ? failed.code : -1,
      output: `${failed.stdout ?? ''}${failed.stderr ?? ''}`,
    };
  }
}

/** The three kinds of app `cdk init` users have, each with the auditor added as documented. */
const INIT_APPS = {
  typescript: { language: 'typescript', stack: 'ts cdk-init-stack', bin: 'ts cdk-init-bin' },
  javascript: { language: 'javascript', stack: 'js cdk-init-stack-js', bin: 'js cdk-init-bin-js' },
  // An older TypeScript app: ts-node, CommonJS modules and TypeScript 5, as apps made before the
  // CDK CLI moved to tsx and TypeScript 7 still run.
  'ts-node': { language: 'typescript', stack: 'ts cdk-init-stack', bin: 'ts cdk-init-bin' },
} as const;
type InitApp = keyof typeof INIT_APPS;

/**
 * Makes the app with the pinned CDK CLI's own `cdk init` (in a folder named platform-audit, as
 * docs/library.md's files are named), installs it as generated, adds the tarball and the newest
 * aws-cdk-lib, constructs and cdk-nag, writes docs/library.md's two files, and synthesizes.
 */
async function initApp(kind: InitApp): Promise<{ dir: string; synth: Synth }> {
  const { language, stack, bin } = INIT_APPS[kind];
  const dir = join(mkdtempSync(join(tmpdir(), `signing-cert-audit-${kind}-`)), 'platform-audit');
  mkdirSync(dir);
  const step = async (command: string, args: readonly string[]) => {
    const done = await runIn(dir, command, args);
    if (done.status !== 0) throw new Error(`${kind}: ${command} ${args.join(' ')}\n${done.output}`);
  };
  await step(join(ROOT, 'node_modules/.bin/cdk'), [
    'init',
    'app',
    '--language',
    language,
    '--generate-only',
  ]);
  const extension = language === 'typescript' ? 'ts' : 'js';
  writeFileSync(join(dir, `lib/platform-audit-stack.${extension}`), documented(stack));
  writeFileSync(join(dir, `bin/platform-audit.${extension}`), documented(bin));
  if (kind === 'ts-node') {
    const cdkJson = JSON.parse(readFileSync(join(dir, 'cdk.json'), 'utf8'));
    cdkJson.app = 'npx ts-node --prefer-ts-exts bin/platform-audit.ts';
    writeFileSync(join(dir, 'cdk.json'), JSON.stringify(cdkJson, null, 2));
    const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'));
    Object.assign(tsconfig.compilerOptions, {
      module: 'commonjs',
      moduleResolution: 'node',
      types: ['node'],
    });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const app = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    app.devDependencies = {
      'aws-cdk': app.devDependencies['aws-cdk'],
      '@types/node': app.devDependencies['@types/node'],
      typescript: '~5.9.0',
      'ts-node': '^10.9.2',
    };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(app, null, 2));
  }
  await step('npm', ['install', '--no-audit', '--no-fund']);
  await step('npm', [
    'install',
    '--no-audit',
    '--no-fund',
    tarball,
    'cdk-nag@latest',
    'aws-cdk-lib@latest',
    'constructs@latest',
  ]);
  return { dir, synth: await runIn(dir, 'npx', ['cdk', 'synth', '--quiet']) };
}

/** The Node.js runtimes the app's aws-cdk-lib knows, read from its own Runtime class. */
function knownRuntimes(dir: string): string[] {
  const source = readFileSync(
    join(dir, 'node_modules/aws-cdk-lib/aws-lambda/lib/runtime.js'),
    'utf8',
  );
  return [
    ...new Set([...source.matchAll(/new Runtime\("(nodejs\d+\.x)"/g)].map((m) => m[1] ?? '')),
  ];
}

/** The runtime docs/library.md promises: the newest tested one the app's aws-cdk-lib knows. */
function expectedRuntime(dir: string): string | undefined {
  const known = knownRuntimes(dir);
  return [...TESTED_NODE_RUNTIMES].reverse().find((name) => known.includes(name));
}

describe('apps made by cdk init, with the newest aws-cdk-lib, constructs and cdk-nag', () => {
  const apps = new Map<InitApp, { dir: string; synth: Synth }>();
  beforeAll(async () => {
    const made = await Promise.all(
      (Object.keys(INIT_APPS) as InitApp[]).map(
        async (kind) => [kind, await initApp(kind)] as const,
      ),
    );
    for (const [kind, app] of made) apps.set(kind, app);
  }, 900_000);

  it.each(Object.keys(INIT_APPS) as InitApp[])(
    'a %s app synthesizes the auditor as documented, cdk-nag clean, on the newest tested runtime it knows',
    (kind) => {
      const app = apps.get(kind);
      const template = JSON.parse(
        readFileSync(join(app?.dir ?? '', 'cdk.out/PlatformAuditStack.template.json'), 'utf8'),
      ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
      const runtimes = Object.values(template.Resources)
        .filter((r) => r.Type === 'AWS::Lambda::Function')
        .map((r) => r.Properties.Runtime);

      expect({
        status: app?.synth.status,
        errors: app?.synth.output.match(/.*AwsSolutions.*/g),
      }).toEqual({ status: 0, errors: null });
      expect(runtimes.length).toBeGreaterThan(0);
      expect(new Set(runtimes)).toEqual(new Set([expectedRuntime(app?.dir ?? '')]));
    },
  );

  it('installed the newest aws-cdk-lib the registry has', () => {
    const dir = apps.get('javascript')?.dir ?? '';
    const installed = (
      JSON.parse(readFileSync(join(dir, 'node_modules/aws-cdk-lib/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    const latest = execFileSync('npm', ['view', 'aws-cdk-lib', 'version'], {
      encoding: 'utf8',
    }).trim();

    expect(installed).toBe(latest);
  });

  it("fails synth on cdk-nag's findings in the app (the control: the checks are really applied)", async () => {
    const dir = apps.get('typescript')?.dir ?? '';
    const stackFile = join(dir, 'lib/platform-audit-stack.ts');
    const documentedStack = readFileSync(stackFile, 'utf8');
    writeFileSync(
      stackFile,
      documentedStack
        .replace(
          "import * as cdk from 'aws-cdk-lib/core';",
          "import * as cdk from 'aws-cdk-lib/core';\nimport * as sqs from 'aws-cdk-lib/aws-sqs';",
        )
        .replace(
          '    new SigningCertAuditor(',
          "    new sqs.Queue(this, 'Unchecked');\n    new SigningCertAuditor(",
        ),
    );
    try {
      const synth = await runIn(dir, 'npx', ['cdk', 'synth', '--quiet']);

      expect(synth.status).not.toBe(0);
      expect(synth.output).toMatch(/AwsSolutions-SQS\d/);
    } finally {
      writeFileSync(stackFile, documentedStack);
    }
  });

  it('synthesizes the JavaScript app on Node.js 22, the oldest the package supports', async () => {
    const dir = apps.get('javascript')?.dir ?? '';
    const node22 = execFileSync('npx', ['-y', 'node@22', '-p', 'process.execPath'], {
      encoding: 'utf8',
    }).trim();
    const version = execFileSync(node22, ['--version'], { encoding: 'utf8' }).trim();

    const synth = await runIn(dir, 'npx', ['cdk', 'synth', '--quiet', '--output', 'cdk.out.22'], {
      PATH: `${dirname(node22)}:${process.env.PATH ?? ''}`,
    });

    expect(version).toMatch(/^v22\./);
    expect(synth.status).toBe(0);
    expect(existsSync(join(dir, 'cdk.out.22/PlatformAuditStack.template.json'))).toBe(true);
  });
});
