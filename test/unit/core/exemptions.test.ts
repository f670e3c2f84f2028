import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lambda/core/errors';
import {
  checkExemptions,
  ExemptionMatcher,
  exemptionsFileOf,
  inForce,
  MAX_EXEMPTIONS,
  MAX_NOTES,
} from '../../../lambda/core/exemptions';
import { readExemptionsFile } from '../../../lambda/core/exemptions-file';

const NOW = new Date('2026-12-07T10:00:00Z');
const good = {
  user: 'alice',
  reason: 'vendor appliance',
  approvedBy: 'sec@example.com',
  expires: '2027-01-31',
};
const check = (exemptions: unknown[], maxExemptionDays?: number) =>
  checkExemptions({ exemptions }, { source: 'f.yaml', now: NOW, maxExemptionDays });
const problemsOf = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('checkExemptions', () => {
  it('takes a whole entry, and a user ARN gives its account', () => {
    const list = check([
      { ...good, ticket: 'SEC-1', kind: 'ssh-public-key' },
      { ...good, user: 'arn:aws:iam::123456789012:user/ops/bob' },
    ]);
    expect(list.entries).toEqual([
      {
        entry: 1,
        userName: 'alice',
        ...good,
        ticket: 'SEC-1',
        kind: 'ssh-public-key',
      },
      {
        entry: 2,
        ...good,
        user: 'arn:aws:iam::123456789012:user/ops/bob',
        userName: 'bob',
        userArn: 'arn:aws:iam::123456789012:user/ops/bob',
        account: '123456789012',
      },
    ]);
  });

  it('refuses every bad entry at once, naming it, what is wrong and what is allowed', () => {
    const problems = problemsOf(() =>
      check([
        good,
        { user: 'bob', reason: 'x', expires: '2027-01-01' },
        { ...good, user: 'carol', approved_by: 'me' },
        { ...good, user: 'dave', expires: '2027-02-30' },
        { ...good, user: 'erin', account: 123456789012 },
        { ...good, user: 'frank', reason: '  ' },
        'just text',
      ]),
    );
    expect(problems).toEqual([
      'exemptions file f.yaml: entry 2 (user bob): approvedBy is missing: every exemption says who approved the exemption',
      expect.stringContaining(
        'entry 3 (user carol): "approved_by" is not a key of an exemption: expected user, account',
      ),
      expect.stringContaining(
        'entry 4 (user dave): expires="2027-02-30" is not allowed: expected the last day it holds, YYYY-MM-DD',
      ),
      expect.stringContaining('entry 5 (user erin): account=123456789012 is not allowed: quote it'),
      expect.stringContaining('entry 6 (user frank): reason="  " is not allowed'),
      expect.stringContaining('entry 7 is not allowed: expected an object'),
    ]);
  });

  it('refuses an entry without an expiry, and one ending past maxExemptionDays; keeps an expired one', () => {
    const { user: _u, ...rest } = good;
    expect(problemsOf(() => check([{ ...good, expires: undefined }]))).toEqual([
      expect.stringContaining('entry 1 (user alice): expires is missing'),
    ]);
    expect(problemsOf(() => check([{ ...good, expires: '2027-06-30' }], 90))).toEqual([
      expect.stringContaining('is more than 90 days from now'),
    ]);
    expect(problemsOf(() => check([rest]))).toEqual([
      expect.stringContaining('entry 1: user is missing'),
    ]);
    const expired = check([{ ...good, expires: '2026-12-06' }]).entries[0];
    expect(expired && inForce(expired, NOW)).toBe(false);
    // Control: the same entry on its last day still holds.
    expect(expired && inForce(expired, new Date('2026-12-06T23:59:59Z'))).toBe(true);
  });

  it('names the first MAX_NOTES bad entries of a huge file, and counts the rest', () => {
    const bad = Array.from({ length: MAX_NOTES + 7 }, (_, i) => ({ user: `u${i}` }));
    let message = '';
    try {
      check(bad);
    } catch (error: unknown) {
      message = (error as Error).message;
    }
    const lines = message.split('\n');
    // Each entry lacks three fields: three problems an entry.
    expect(lines[0]).toBe(`exemptions file f.yaml is refused: ${(MAX_NOTES + 7) * 3} problems:`);
    expect(lines).toHaveLength(MAX_NOTES + 2);
    expect(lines.at(-1)).toBe(`  - and ${(MAX_NOTES + 7) * 3 - MAX_NOTES} more`);
  });

  it('refuses more entries than MAX_EXEMPTIONS at once, and takes that many', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ ...good, user: `u${i}` }));
    expect(() => check(many(MAX_EXEMPTIONS + 1))).toThrow(
      `it holds ${MAX_EXEMPTIONS + 1} entries; expected at most ${MAX_EXEMPTIONS}`,
    );
    // Control: the limit itself is allowed.
    expect(check(many(MAX_EXEMPTIONS)).entries).toHaveLength(MAX_EXEMPTIONS);
  });

  it('refuses a file that is not an exemptions list', () => {
    expect(() => checkExemptions([good], { source: 'f.yaml', now: NOW })).toThrow(
      'exemptions file f.yaml is not allowed: expected an object with an "exemptions" list',
    );
    expect(() => checkExemptions({ exemption: [good] }, { source: 'f.yaml', now: NOW })).toThrow(
      'expected only an "exemptions" list (found "exemption")',
    );
  });

  it('writes the checked entries back in the file form, which checks to the same entries', () => {
    const list = check([
      good,
      { ...good, user: 'arn:aws:iam::123456789012:user/bob', ticket: 'T-1' },
    ]);
    expect(checkExemptions(exemptionsFileOf(list), { source: 'again', now: NOW }).entries).toEqual(
      list.entries,
    );
  });
});

describe('ExemptionMatcher', () => {
  it('prefers an entry in force to an expired one, and names the entries that matched nothing', () => {
    const list = check([
      { ...good, expires: '2026-12-01' },
      { ...good, ticket: 'NEW' },
      { ...good, user: 'ghost' },
      { ...good, user: 'bob', account: '111111111111' },
    ]);
    const matcher = new ExemptionMatcher(list, '123456789012', NOW);
    const subject = {
      userName: 'alice',
      userArn: 'arn:aws:iam::123456789012:user/alice',
      type: 'signing-certificate' as const,
      credentialId: 'ASCAEXAMPLE000000001',
    };
    expect(matcher.entryFor(subject)?.entry).toBe(2);
    expect(matcher.entryFor({ ...subject, userName: 'bob' })).toBeUndefined();
    const summary = matcher.summary(true, 0);
    expect(summary).toMatchObject({ entries: 3, expiredCount: 1, staleCount: 1 });
    expect(summary.stale?.map((n) => n.user)).toEqual(['ghost']);
    expect(matcher.summary(false, 0).stale).toBeNull();
  });

  it('matches a user name or ARN whatever its case, as IAM names users', () => {
    const list = check([
      { ...good, user: 'Build-Bot' },
      { ...good, user: 'arn:aws:iam::123456789012:user/ops/Deploy' },
    ]);
    const matcher = new ExemptionMatcher(list, '123456789012', NOW);
    const subject = (userName: string, path = '/') => ({
      userName,
      userArn: `arn:aws:iam::123456789012:user${path}${userName}`,
      type: 'signing-certificate' as const,
      credentialId: 'ASCAEXAMPLE000000001',
    });
    expect(matcher.entryFor(subject('build-bot'))?.entry).toBe(1);
    expect(matcher.entryFor(subject('deploy', '/ops/'))?.entry).toBe(2);
    // Control: another user, and the ARN's user under another path, match nothing.
    expect(matcher.entryFor(subject('build-bot2'))).toBeUndefined();
    expect(matcher.entryFor(subject('deploy', '/eng/'))).toBeUndefined();
  });
});

describe('readExemptionsFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exemptions-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads YAML (a date stays text) and JSON', () => {
    const yaml = file(
      'e.yaml',
      'exemptions:\n  - user: alice\n    reason: vendor appliance\n    approvedBy: sec@example.com\n    expires: 2027-01-31\n',
    );
    expect(readExemptionsFile(yaml, { now: NOW }).entries).toMatchObject([
      { expires: '2027-01-31' },
    ]);
    const json = file('e.json', JSON.stringify({ exemptions: [good] }));
    expect(readExemptionsFile(json, { now: NOW }).entries).toHaveLength(1);
  });

  it('names a syntax error, a duplicate key and a missing file', () => {
    expect(() => readExemptionsFile(file('bad.yaml', 'exemptions: [\n'), { now: NOW })).toThrow(
      /exemptions file .*bad\.yaml is not valid YAML/,
    );
    expect(() =>
      readExemptionsFile(file('dup.yaml', 'exemptions: []\nexemptions: []\n'), { now: NOW }),
    ).toThrow(/is not valid YAML: .*[Uu]nique/);
    expect(() => readExemptionsFile(join(dir, 'absent.yaml'), { now: NOW })).toThrow(
      /could not be read \(ENOENT: no such file/,
    );
  });
});
