import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
    expect(
      (await readChangeRecordFile(file)).entries.map((e) =>
        'certificateId' in e ? e.certificateId : null,
      ),
    ).toEqual(['CERTA0000000000000000000001', 'CERTB0000000000000000000001']);
  });

  it('starts each entry on a line of its own after a line cut short, and reads every whole entry around it', async () => {
    const file = fileIn();
    const recorder = fileChangeRecorder(file);
    await recorder.write(entry('CERTA0000000000000000000001'));
    // A process killed in the middle of its next line.
    appendFileSync(file, '{"runId":"run-1","acc');

    await recorder.write(entry('CERTB0000000000000000000001'));
    appendFileSync(file, '{"runId":"run-1","accountId":"1');
    await fileChangeRecorder(file).write(entry('CERTC0000000000000000000001'));
    const read = await readChangeRecordFile(file);

    // Every whole entry, each torn line skipped and named, none glued to the one after it.
    expect(read.entries.map((e) => ('certificateId' in e ? e.certificateId : null))).toEqual([
      'CERTA0000000000000000000001',
      'CERTB0000000000000000000001',
      'CERTC0000000000000000000001',
    ]);
    expect(read.skipped).toEqual([
      `${file}:2: a torn line (a write cut short) skipped: not a whole entry`,
      `${file}:4: a torn line (a write cut short) skipped: not a whole entry`,
    ]);
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(6);
  });

  it('recovers an entry an older writer glued to a torn line, and names the fragment', async () => {
    const file = fileIn();
    writeFileSync(
      file,
      `{"runId":"run-1","acc${JSON.stringify(entry('CERTB0000000000000000000001'))}\n`,
    );

    const read = await readChangeRecordFile(file);

    expect(read.entries).toEqual([entry('CERTB0000000000000000000001')]);
    expect(read.skipped).toEqual([
      `${file}:1: 21 characters of torn line (a write cut short) skipped: not a whole entry; the entry after it was read`,
    ]);
  });

  it('refuses a line that is JSON but not an entry: that is no torn write', async () => {
    const file = fileIn();
    await fileChangeRecorder(file).write(entry('CERTA0000000000000000000001'));
    appendFileSync(file, '{"runId":"run-1"}\n');

    await expect(readChangeRecordFile(file)).rejects.toThrow(
      `${file}:2 is not a change record entry`,
    );
  });
});
