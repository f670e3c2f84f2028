import { appendFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileChangeRecorder, readChangeRecordFile } from '../../../cli/change-record-file';
import { type ChangeEntry, fingerprintOf } from '../../../lambda/core/change-record';
import { ACCOUNT_ID, CERT_BODY } from '../fixtures';

const entry = (certificateId: string): ChangeEntry => ({
  runId: 'run-1',
  accountId: ACCOUNT_ID,
  certificateId,
  change: 'DELETE',
  recordVersion: '1',
  entry: 'intent',
  recordedAt: '2026-12-01T00:00:00Z',
  userName: 'alice',
  userArn: `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
  status: 'Inactive',
  uploadDate: null,
  fingerprint256: fingerprintOf(CERT_BODY),
  body: CERT_BODY,
});

const fileIn = () => join(mkdtempSync(join(tmpdir(), 'change-record-')), 'changes.jsonl');

describe('the change record in a local file', () => {
  it('appends one JSON line an entry, in order, readable by its owner only, and reads them back', async () => {
    const file = fileIn();
    const recorder = fileChangeRecorder(file);

    await Promise.all(
      ['CERTA0000000000000000000001', 'CERTB0000000000000000000001'].map((id) =>
        recorder.write(entry(id)),
      ),
    );

    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(2);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await readChangeRecordFile(file)).map((e) => e.certificateId)).toEqual([
      'CERTA0000000000000000000001',
      'CERTB0000000000000000000001',
    ]);
  });

  it('passes over a last line cut short by a killed process, and refuses a bad line elsewhere', async () => {
    const file = fileIn();
    await fileChangeRecorder(file).write(entry('CERTA0000000000000000000001'));
    appendFileSync(file, '{"runId":"run-1","acc');

    expect(await readChangeRecordFile(file)).toHaveLength(1);

    appendFileSync(file, '\n');
    await fileChangeRecorder(file).write(entry('CERTB0000000000000000000001'));
    await expect(readChangeRecordFile(file)).rejects.toThrow(
      `${file}:2 is not a JSON line of a change record`,
    );
  });
});
