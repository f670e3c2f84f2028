import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROGRESS_PREFIX } from '../cli/progress';
import { EMULATOR_DIR_PREFIX } from './emulator/demo-emulator';

/**
 * The docs' sample outputs, made by running what the pages show: `npm run emulator`, then each
 * command of the CLI page's emulator session in order in a shell holding the emulator's export
 * lines (as a reader's second terminal does), and `npm run demo`. `npm run docs` writes each
 * output between its markers (`<!-- sample:NAME:start -->`); an integration test
 * (test/integration/docs-samples.test.ts) runs the same session and compares each sample with the
 * page after {@link normalizeSample}, which replaces what differs from run to run and nothing
 * else.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where a command's output is shown: its page and marker name, and how much of it. */
export interface SampleSpot {
  /** The page, from the repository's root. */
  readonly page: string;
  /** The marker's name: the output sits between `<!-- sample:NAME:start -->` and `<!-- sample:NAME:end -->`. */
  readonly name: string;
  /** Ends the sample with `$ echo $?` and the exit status. */
  readonly showStatus?: boolean;
  /** Shows only part of the output: from the first line holding `from`, this many lines, then `…`. */
  readonly excerpt?: { readonly from: string; readonly lines: number };
  /** Leaves out the `$ command` line (the page says what was run). */
  readonly noPrompt?: boolean;
}

/** One command of the emulator session: what the page shows and the shell runs, and its exit status. */
export interface SessionStep {
  readonly command: string;
  readonly status: number;
  readonly sample?: SampleSpot;
}

/** The command from a clone: `--no-install` runs the clone's own bin and never fetches a package. */
const CLI = 'npx --no-install signing-cert-audit';
const RECORD = '"$EMULATOR_DIR/changes.jsonl"';
/** The id of the last run in the change record. */
const LAST_RUN = `"$(grep -o '"runId":"[^"]*"' ${RECORD} | tail -1 | cut -d'"' -f4)"`;

/**
 * The CLI page's examples against `npm run emulator`, in the order they run: each sees what the
 * ones before it left (the deactivation, then its undo). The page's `bash emulator-examples`
 * block is generated from this list (tools/docs.ts).
 */
export const EMULATOR_SESSION: readonly SessionStep[] = [
  {
    command: `${CLI} --format table`,
    status: 1,
    sample: { page: 'docs/cli.md', name: 'cli-table', showStatus: true },
  },
  {
    command: `${CLI} --mode deactivate --format table`,
    status: 1,
    sample: { page: 'docs/cli.md', name: 'cli-plan' },
  },
  {
    command: `${CLI} --mode deactivate --apply --change-record ${RECORD} --format json --output "$EMULATOR_DIR/applied.json"`,
    status: 1,
    sample: { page: 'docs/cli.md', name: 'cli-apply' },
  },
  {
    command: `${CLI} restore --run ${LAST_RUN} --change-record ${RECORD} --apply --format json --output "$EMULATOR_DIR/restored.json"`,
    status: 0,
    sample: { page: 'docs/cli.md', name: 'cli-restore' },
  },
  {
    command: `${CLI} --as-of +30d --format table`,
    status: 1,
    sample: { page: 'docs/cli.md', name: 'cli-as-of' },
  },
  { command: `${CLI} --format json | head -c 300`, status: 1 },
  {
    command: `${CLI} --archive-bucket "$EMULATOR_BUCKET" --publish --topic-arn "$EMULATOR_TOPIC_ARN" --format json --output "$EMULATOR_DIR/report.json"`,
    status: 1,
    sample: { page: 'docs/cli.md', name: 'cli-publish' },
  },
  { command: `${CLI} --format html --output "$EMULATOR_DIR/report.html"`, status: 1 },
  {
    command: `${CLI} --organization --format table`,
    status: 1,
    sample: { page: 'docs/cli.md', name: 'cli-organization', showStatus: true },
  },
  {
    command: `${CLI} --accounts "$EMULATOR_MEMBER_ACCOUNTS,111111111111" --format table`,
    status: 3,
    sample: { page: 'docs/cli.md', name: 'cli-accounts', showStatus: true },
  },
];

/** `npm run emulator`'s export lines, as docs/emulator.md shows them. */
export const EXPORTS_SAMPLE: SampleSpot = {
  page: 'docs/emulator.md',
  name: 'emulator-exports',
  noPrompt: true,
};

/** `npm run demo`, from the handler's run to the first lines of the report the queue received. */
export const DEMO_STEP: SessionStep = {
  command: 'npm run demo',
  status: 0,
  sample: {
    page: 'docs/emulator.md',
    name: 'demo',
    // The findings of every kind, the summary, what moto holds, and the report's first lines.
    excerpt: { from: 'Running the Lambda handler', lines: 49 },
    noPrompt: true,
  },
};

/** Every sample the docs hold, by page and marker name. */
export function sampleSpots(): SampleSpot[] {
  return [
    ...EMULATOR_SESSION.flatMap((step) => (step.sample ? [step.sample] : [])),
    EXPORTS_SAMPLE,
    ...(DEMO_STEP.sample ? [DEMO_STEP.sample] : []),
  ];
}

/** The CLI page's `bash emulator-examples` block: every command of the session, in order. */
export function emulatorExamplesBlock(): string {
  return ['```bash emulator-examples', ...EMULATOR_SESSION.map((s) => s.command), '```'].join('\n');
}

/**
 * A sample as its page shows it, in a `text` block: `$ command`, the output (standard output
 * and standard error as a terminal shows them, interleaved; progress lines left out; trailing
 * spaces dropped), then `$ echo $?` and the status when the spot asks for it.
 */
export function renderSample(
  spot: SampleSpot,
  run: { readonly command: string; readonly output: string; readonly status: number },
): string {
  let lines = run.output
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => !line.startsWith(PROGRESS_PREFIX));
  if (spot.excerpt) {
    const { from, lines: count } = spot.excerpt;
    const start = lines.findIndex((line) => line.includes(from));
    const kept = lines.slice(Math.max(start, 0), Math.max(start, 0) + count);
    lines = kept.length < lines.length - Math.max(start, 0) ? [...kept, '…'] : kept;
  }
  return [
    '```text',
    ...(spot.noPrompt ? [] : [`$ ${run.command}`]),
    ...lines,
    ...(spot.showStatus ? ['$ echo $?', String(run.status)] : []),
    '```',
  ].join('\n');
}

/**
 * What may differ between two runs of the same session, replaced by a placeholder; nothing else
 * is touched (counts, ages, verdicts, ids moto hands out, accounts, messages stay as printed):
 *
 * - progress lines (how many a run prints depends on how long it takes) are dropped;
 * - the emulator's loopback port: `127.0.0.1:<port>`;
 * - its scratch folder (`$EMULATOR_DIR`, a new temporary folder each time): `<emulator-dir>`;
 * - run ids and other UUIDs: `<uuid>`;
 * - moments (`2026-12-07T01:51:18.303Z`) and dates (`date=2026-12-07`): `<time>`, `<date>`;
 * - trailing spaces.
 */
export function normalizeSample(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith(PROGRESS_PREFIX))
    .map((line) =>
      line
        .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
        .replace(new RegExp(`[^\\s"'=]*/${EMULATOR_DIR_PREFIX}[A-Za-z0-9]+`, 'g'), '<emulator-dir>')
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
        .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?/g, '<time>')
        .replace(/\d{4}-\d{2}-\d{2}/g, '<date>')
        .trimEnd(),
    )
    .join('\n')
    .trim();
}

/** What one command of the session did. */
export interface StepRun {
  readonly command: string;
  readonly status: number;
  readonly output: string;
  readonly sample?: SampleSpot;
}

/** Every command run, and every sample as its page would show it, by marker name. */
export interface SessionRun {
  readonly steps: readonly StepRun[];
  readonly samples: ReadonlyMap<string, { readonly page: string; readonly text: string }>;
}

/** The environment of a reader's shell: a path, a home, and nothing of AWS's but what is exported. */
function readerEnv(extra: Record<string, string>, calls: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    ...(process.env.MOTO_PYTHON ? { MOTO_PYTHON: process.env.MOTO_PYTHON } : {}),
    // npm's own notices (a newer npm exists) are not the project's output.
    NPM_CONFIG_UPDATE_NOTIFIER: 'false',
    // The demo records its calls for the permissions proof: into a folder of this run's own.
    SIGNING_CERT_AUDIT_CALLS_DIR: calls,
    ...extra,
  };
}

/** Runs one command in bash, from the clone, standard error merged into standard output. */
function runStep(step: SessionStep, env: Record<string, string>): StepRun {
  const ran = spawnSync('bash', ['-c', `set -o pipefail\n{\n${step.command}\n} 2>&1`], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return {
    command: step.command,
    status: ran.status ?? -1,
    output: ran.stdout ?? '',
    ...(step.sample ? { sample: step.sample } : {}),
  };
}

/** Starts `npm run emulator`'s script and resolves with its export lines once it prints them. */
function startEmulator(env: Record<string, string>): Promise<{
  readonly child: ChildProcess;
  readonly stdout: string;
  readonly exports: Record<string, string>;
}> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/emulator.ts'], {
    cwd: ROOT,
    env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm run emulator printed no exports within 90 s:\n${stderr}`));
    }, 90_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // The last export line: every one before it is there.
      if (/^export EMULATOR_MEMBER_ACCOUNTS=.*\n/m.test(stdout)) {
        clearTimeout(timer);
        const exports = Object.fromEntries(
          [...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
        );
        resolve({ child, stdout, exports });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm run emulator exited with ${code} before its exports:\n${stderr}`));
    });
  });
}

/** Stops the emulator as a reader does (Ctrl-C) and waits for it to exit. */
async function stopEmulator(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs the docs' session for real: `npm run emulator`, each command of EMULATOR_SESSION in a
 * shell holding its exports, Ctrl-C, then `npm run demo`; returns each command's status and
 * output and each sample as its page would show it. Needs moto, as the emulator suites do.
 */
export async function runDocsSession(): Promise<SessionRun> {
  const calls = mkdtempSync(join(tmpdir(), 'signing-cert-audit-docs-calls-'));
  const steps: StepRun[] = [];
  const samples = new Map<string, { page: string; text: string }>();
  const add = (spot: SampleSpot | undefined, run: StepRun) => {
    if (spot) samples.set(spot.name, { page: spot.page, text: renderSample(spot, run) });
  };
  try {
    const emulator = await startEmulator(readerEnv({}, calls));
    try {
      add(EXPORTS_SAMPLE, { command: 'npm run emulator', status: 0, output: emulator.stdout });
      const env = readerEnv(emulator.exports, calls);
      for (const step of EMULATOR_SESSION) {
        const run = runStep(step, env);
        steps.push(run);
        add(step.sample, run);
      }
    } finally {
      await stopEmulator(emulator.child);
    }
    const demo = runStep(DEMO_STEP, readerEnv({}, calls));
    steps.push(demo);
    add(DEMO_STEP.sample, demo);
  } finally {
    rmSync(calls, { recursive: true, force: true });
  }
  return { steps, samples };
}
