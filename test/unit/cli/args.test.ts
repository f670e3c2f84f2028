import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { MIN_NODE, parseCliArgs, unsupportedNode } from '../../../cli/args';
import { HELP_WIDTH, helpText } from '../../../cli/help';
import { POLICY_DEFAULTS } from '../../../lambda/core/settings';
import { TOPIC_ARN } from '../fixtures';

const argsEnv = (env: Record<string, string> = {}, tty = false) => ({ env, stdoutIsTTY: tty });

describe('parseCliArgs', () => {
  it('reads --time-limit in seconds and --scan-strategy from the settings table', () => {
    const options = parseCliArgs(
      ['--time-limit', '600', '--scan-strategy', 'credential-report'],
      argsEnv(),
    );

    expect(options.timeLimitMs).toBe(600_000);
    expect(options.policy.scanStrategy).toBe('credential-report');
    expect(parseCliArgs([], argsEnv()).timeLimitMs).toBeUndefined();
  });

  it.each(['0', '1.5', 'ten', '86401'])('refuses --time-limit %j', (value) => {
    expect(() => parseCliArgs(['--time-limit', value], argsEnv())).toThrow(
      /--time-limit=.* is not allowed: expected a whole number of seconds from 1 to 86400/,
    );
  });

  it('takes --format ocsf for one account and across accounts, and still refuses csv and html across accounts', () => {
    expect(parseCliArgs(['--format', 'ocsf'], argsEnv()).format).toBe('ocsf');
    expect(parseCliArgs(['--format', 'ocsf', '--accounts', '111111111111'], argsEnv()).format).toBe(
      'ocsf',
    );
    expect(() =>
      parseCliArgs(['--format', 'csv', '--accounts', '111111111111'], argsEnv()),
    ).toThrow('--format=csv is for one account: an organization report is json, table or ocsf');
    expect(helpText()).toMatch(/--format FORMAT\s+table \| json \| csv \| html \| ocsf/);
    expect(helpText().replace(/\s+/g, ' ')).toContain(
      'ocsf writes the failing findings as OCSF 1.5.0-dev Compliance Findings',
    );
  });

  it('applies every documented default', () => {
    const options = parseCliArgs([], argsEnv());

    expect(options).toMatchObject({
      policy: { ...POLICY_DEFAULTS, deleteAfterDays: POLICY_DEFAULTS.maxAgeDays },
      apply: false,
      asOf: undefined,
      format: 'json',
      failOn: 'non-compliant',
      publishTo: undefined,
      quiet: false,
      progressIntervalMs: 10_000,
    });
  });

  it('reads --quiet and --progress-interval, and says both in --help', () => {
    expect(parseCliArgs(['--quiet'], argsEnv())).toMatchObject({ quiet: true });
    expect(parseCliArgs(['--progress-interval', '60'], argsEnv())).toMatchObject({
      quiet: false,
      progressIntervalMs: 60_000,
    });
    const help = helpText().replace(/\s+/g, ' ');
    expect(help).toContain('--progress-interval SECONDS when standard error is not a terminal');
    expect(help).toContain('never on standard output (default 10)');
    expect(help).toContain('--quiet no progress on standard error');
  });

  it.each([
    [
      ['--progress-interval', '0'],
      /--progress-interval="0" is not allowed: expected a whole number of seconds from 1 to 3600/,
    ],
    [['--progress-interval', '3601'], /--progress-interval="3601" is not allowed/],
    [['--progress-interval', '1.5'], /--progress-interval="1.5" is not allowed/],
    [['--quiet', '--progress-interval', '5'], /--progress-interval is not read with --quiet/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCliArgs(argv, argsEnv())).toThrow(message);
  });

  it('prints a table on a terminal and JSON otherwise', () => {
    expect(parseCliArgs([], argsEnv({}, true)).format).toBe('table');
    expect(parseCliArgs([], argsEnv({}, false)).format).toBe('json');
  });

  it('reads every policy flag into the one policy schema', () => {
    const options = parseCliArgs(
      [
        '--max-age-days=30',
        '--mode',
        'delete',
        '--delete-after-days',
        '60',
        '--warn-before-days',
        '7',
        '--path-prefix',
        '/robots/',
        '--exempt-tag',
        'team:keep',
        '--max-override-days',
        '180',
        '--max-actions',
        '5',
        '--concurrency',
        '4',
      ],
      argsEnv(),
    );

    expect(options.policy).toEqual({
      maxAgeDays: 30,
      mode: 'delete',
      deleteAfterDays: 60,
      warnBeforeDays: 7,
      userPathPrefix: '/robots/',
      exemptTagKey: 'team:keep',
      maxOverrideDays: 180,
      maxActionsPerRun: 5,
      concurrency: 4,
      scanStrategy: 'full',
      credentialKinds: ['signing-certificate', 'ssh-public-key', 'service-specific-credential'],
      remediateKinds: ['signing-certificate'],
      deleteServiceCredentials: false,
      includeCompliant: false,
    });
  });

  it('reads --include-compliant as a switch, without a value; off without it', () => {
    expect(parseCliArgs(['--include-compliant'], argsEnv()).policy.includeCompliant).toBe(true);
    expect(parseCliArgs([], argsEnv()).policy.includeCompliant).toBe(false);
    expect(parseCliArgs([], argsEnv({ INCLUDE_COMPLIANT: 'true' })).policy.includeCompliant).toBe(
      false,
    );
  });

  it('takes the topic for --publish from --topic-arn or TOPIC_ARN', () => {
    expect(
      parseCliArgs(['--publish', '--topic-arn', TOPIC_ARN], argsEnv()).publishTo,
    ).toMatchObject({ topicArn: TOPIC_ARN });
    expect(parseCliArgs(['--publish'], argsEnv({ TOPIC_ARN })).publishTo).toMatchObject({
      topicArn: TOPIC_ARN,
    });
  });

  it('reads --as-of as a moment', () => {
    expect(parseCliArgs(['--as-of', '2099-01-01'], argsEnv()).asOf).toEqual(
      new Date('2099-01-01T00:00:00.000Z'),
    );
  });

  it('reads --as-of +Nd as that many days from now, to the millisecond', () => {
    vi.useFakeTimers({ now: new Date('2026-12-07T01:02:03.456Z') });
    try {
      expect(parseCliArgs(['--as-of', '+30d'], argsEnv()).asOf).toEqual(
        new Date('2027-01-06T01:02:03.456Z'),
      );
      expect(parseCliArgs(['--as-of', '+3650d'], argsEnv()).asOf).toEqual(
        new Date('2036-12-04T01:02:03.456Z'),
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    [
      '+0d',
      /--as-of="\+0d" is not allowed: expected a number of days from now from \+1d to \+3650d/,
    ],
    ['+3651d', /--as-of="\+3651d" is not allowed: expected a number of days from now/],
    ['+30', /--as-of="\+30" is not allowed: expected a date .* or days from now such as \+90d/],
    ['-30d', /--as-of="-30d" is not allowed: expected a date/],
    ['+1.5d', /--as-of="\+1.5d" is not allowed: expected a date/],
  ])('refuses --as-of %s, naming the forms it takes', (value, message) => {
    expect(() => parseCliArgs([`--as-of=${value}`], argsEnv())).toThrow(message);
  });

  it('reads an --as-of time without an offset as UTC, whatever the machine’s zone', () => {
    const zone = process.env.TZ;
    try {
      process.env.TZ = 'America/New_York';
      expect(parseCliArgs(['--as-of', '2099-03-01T06:00'], argsEnv()).asOf).toEqual(
        new Date('2099-03-01T06:00:00.000Z'),
      );
      expect(parseCliArgs(['--as-of', '2099-03-01T06:00+02:00'], argsEnv()).asOf).toEqual(
        new Date('2099-03-01T04:00:00.000Z'),
      );
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it.each([
    ['--max-age-day', '--max-age-days'],
    ['--regoin', '--region'],
    ['--aply', '--apply'],
  ])('suggests the flag %s most likely meant (%s)', (typo, meant) => {
    expect(() => parseCliArgs([typo, '1'], argsEnv())).toThrow(`Did you mean ${meant}?`);
  });

  it('suggests nothing for a flag unlike any (the control)', () => {
    expect(() => parseCliArgs(['--purge-everything'], argsEnv())).toThrow(/Unknown option/);
    expect(() => parseCliArgs(['--purge-everything'], argsEnv())).not.toThrow(/Did you mean/);
  });
});

describe('helpText', () => {
  it(`fits ${HELP_WIDTH} columns and shows examples`, () => {
    const lines = helpText().split('\n');

    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(HELP_WIDTH);
    expect(lines).toContain('Examples:');
  });
});

describe('the change record flags', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'args-')), 'changes.jsonl');

  it('refuses delete mode with --apply and no place for the record, naming both flags', () => {
    expect(() => parseCliArgs(['--mode', 'delete', '--apply'], argsEnv())).toThrow(
      /^--mode=delete needs --change-record FILE or --archive-bucket BUCKET: delete mode records every change/,
    );
    // The controls: a plan needs no record; either place lets the deletion run.
    expect(parseCliArgs(['--mode', 'delete'], argsEnv()).apply).toBe(false);
    const path = file();
    expect(
      parseCliArgs(['--mode', 'delete', '--apply', '--change-record', path], argsEnv())
        .changeRecord,
    ).toBe(path);
    expect(
      parseCliArgs(['--mode', 'delete', '--apply', '--archive-bucket', 'evidence'], argsEnv())
        .archiveBucket,
    ).toBe('evidence');
  });

  it('refuses a --change-record that cannot be written, and a forecast that records', () => {
    expect(() =>
      parseCliArgs(['--change-record', '/nonexistent/dir/changes.jsonl'], argsEnv()),
    ).toThrow(/^--change-record="\/nonexistent\/dir\/changes.jsonl" cannot be written/);
    expect(() =>
      parseCliArgs(['--as-of', '2099-01-01', '--change-record', file()], argsEnv()),
    ).toThrow(/--as-of cannot be combined with --change-record/);
  });
});

describe('unsupportedNode', () => {
  it('refuses a Node.js older than the package supports, naming both, and takes the rest', () => {
    expect(unsupportedNode('v20.20.2')).toBe(
      'Node.js 22.12 or later is required; this is v20.20.2',
    );
    expect(unsupportedNode('v22.11.0')).toContain('22.12 or later');
    expect(unsupportedNode('v22.12.0')).toBeUndefined();
    expect(unsupportedNode('v24.21.0')).toBeUndefined();
    expect(unsupportedNode('v26.10.0')).toBeUndefined();
  });

  it("says what package.json's engines says", () => {
    const { engines } = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as { engines: { node: string } };

    expect(engines.node).toBe(`>=${MIN_NODE.join('.')}`);
  });
});
