import { createHash, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  allRecorders,
  type ChangeEntry,
  changeEntryKey,
  fingerprintOf,
  pairChanges,
  parseChangeEntry,
} from '../../../lambda/core/change-record';
import { ACCOUNT_ID, CERT_BODY, memoryRecorder } from '../fixtures';

const KEY = { runId: 'run-1', accountId: ACCOUNT_ID, certificateId: 'CERTALICE0000000000000001' };
const intent = (change: 'DEACTIVATE' | 'DELETE', recordedAt: string): ChangeEntry => ({
  ...KEY,
  change,
  recordVersion: '1',
  entry: 'intent',
  recordedAt,
  userName: 'alice',
  userArn: `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
  status: 'Active',
  uploadDate: null,
  fingerprint256: fingerprintOf(CERT_BODY),
  body: CERT_BODY,
});

describe('the change record', () => {
  it('lays one object an entry under changes/, by account, run, certificate, change and entry', () => {
    expect(changeEntryKey(intent('DELETE', '2026-12-01T00:00:00Z'))).toBe(
      `changes/account=${ACCOUNT_ID}/run=run-1/CERTALICE0000000000000001.DELETE.intent.json`,
    );
    // A run id that is not key-safe is made safe, never used as a path.
    expect(changeEntryKey({ ...intent('DELETE', 'x'), runId: '../../etc' })).toContain(
      'run=.._.._etc/',
    );
  });

  it('pairs each intent with its outcome, oldest intent first, and leaves a missing outcome missing', () => {
    const deactivate = intent('DEACTIVATE', '2026-12-01T00:00:00Z');
    const remove = intent('DELETE', '2026-12-02T00:00:00Z');
    const outcome: ChangeEntry = {
      ...KEY,
      change: 'DELETE',
      recordVersion: '1',
      entry: 'outcome',
      recordedAt: '2026-12-02T00:00:01Z',
      outcome: 'DELETED',
      error: null,
    };

    const pairs = pairChanges([outcome, remove, deactivate]);

    expect(pairs.map((p) => [p.intent.change, p.outcome?.outcome])).toEqual([
      ['DEACTIVATE', undefined],
      ['DELETE', 'DELETED'],
    ]);
  });

  it('refuses an entry that is not one, naming where it was read and what is wrong', () => {
    expect(() =>
      parseChangeEntry({ ...intent('DELETE', 'x'), body: '' }, 'changes.jsonl:3'),
    ).toThrow(/^changes.jsonl:3 is not a change record entry at body/);
    expect(() => parseChangeEntry('text', 's3://b/k')).toThrow(
      /^s3:\/\/b\/k is not a change record entry/,
    );
    expect(parseChangeEntry(intent('DELETE', 'x'), 'here')).toEqual(intent('DELETE', 'x'));
  });

  it('fingerprints a certificate as the report does, and any other text by its SHA-256', () => {
    expect(fingerprintOf(CERT_BODY)).toBe(new X509Certificate(CERT_BODY).fingerprint256);
    expect(fingerprintOf('not a certificate')).toBe(
      `text:${createHash('sha256').update('not a certificate').digest('hex')}`,
    );
  });

  it('writes to every recorder, and fails when any of them fails', async () => {
    const first = memoryRecorder();
    const broken = memoryRecorder('all');

    await allRecorders([first, memoryRecorder()])?.write(intent('DELETE', 'x'));
    await expect(allRecorders([first, broken])?.write(intent('DELETE', 'y'))).rejects.toThrow(
      'Access Denied',
    );
    expect(first.entries).toHaveLength(2);
    expect(allRecorders([first])).toBe(first);
    expect(allRecorders([])).toBeUndefined();
  });
});
