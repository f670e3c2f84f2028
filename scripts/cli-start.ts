/**
 * `npm run cli-start`: the compiled CLI's start-up, side by side in one run (alternating, so
 * machine noise hits every command alike) with `node -e ''`, the floor any Node command starts
 * from: `--version` and `--help` run directly (as `signing-cert-audit` on a PATH, or a project's
 * node_modules/.bin, runs them) and through `npx`, which adds npm's own start-up.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = `${ROOT}dist/bin/cli.js`;

/** Each command's median start-up, in milliseconds. */
export interface CliStartResult {
  readonly runs: number;
  readonly nodeMs: number;
  readonly versionMs: number;
  readonly helpMs: number;
  readonly npxVersionMs: number;
  readonly npxHelpMs: number;
  /** The CLI's own cost over `node -e ''`, for --help (the heavier of the two). */
  readonly helpOverNodeMs: number;
}

function median(numbers: readonly number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Runs each command `runs` times, alternating, and returns their medians. */
export function measureCliStart(runs: number): CliStartResult {
  const commands: Record<string, [string, string[]]> = {
    node: [process.execPath, ['-e', '']],
    version: [process.execPath, [CLI, '--version']],
    help: [process.execPath, [CLI, '--help']],
    npxVersion: ['npx', ['--yes', 'signing-cert-audit', '--version']],
    npxHelp: ['npx', ['--yes', 'signing-cert-audit', '--help']],
  };
  const times: Record<string, number[]> = Object.fromEntries(
    Object.keys(commands).map((name) => [name, []]),
  );
  const time = (name: string) => {
    const [command, args] = commands[name] as [string, string[]];
    const started = performance.now();
    execFileSync(command, args, { cwd: ROOT, stdio: 'ignore' });
    return performance.now() - started;
  };
  // One warm-up each: the first process pays for the file system cache (and npx its own).
  for (const name of Object.keys(commands)) time(name);
  for (let i = 0; i < runs; i += 1) {
    for (const name of Object.keys(commands)) times[name]?.push(time(name));
  }
  const ms = (name: string) => Number(median(times[name] ?? []).toFixed(1));
  return {
    runs,
    nodeMs: ms('node'),
    versionMs: ms('version'),
    helpMs: ms('help'),
    npxVersionMs: ms('npxVersion'),
    npxHelpMs: ms('npxHelp'),
    helpOverNodeMs: Number((ms('help') - ms('node')).toFixed(1)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '11' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 3) {
    console.error(
      `--runs=${JSON.stringify(values.runs)} is not allowed: expected a whole number of at least 3`,
    );
    process.exit(2);
  }
  console.log(JSON.stringify(measureCliStart(runs), null, 2));
}
