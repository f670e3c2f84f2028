import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { archiveKeys } from '../../lambda/core/archive-layout';
import { changeRunPrefix } from '../../lambda/core/change-record';
import type { Report } from '../../lambda/core/report';
import type { OcsfComplianceFinding } from '../../lambda/render/ocsf';
import { asffId } from '../../lambda/sinks/asff';
import {
  createMailbox,
  type Mailbox,
  reassemble,
  receiveAll,
  seedUsers,
} from '../../tools/emulator/emulator';
import { resetMoto } from '../../tools/emulator/moto';
import { loadOcsfSchema, validateOcsfRecord } from '../unit/render/ocsf-schema';
import { clients, endpoint, invokeHandler } from './harness';

const ocsfSchema = loadOcsfSchema();

const BUCKET = 'signing-cert-audit-evidence';
let mailbox: Mailbox;

beforeEach(async () => {
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients);
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

async function read(key: string): Promise<string> {
  const { Body } = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await Body?.transformToString('utf8')) ?? '';
}

async function keysIn(): Promise<string[]> {
  const { Contents = [] } = await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return Contents.map((object) => object.Key ?? '').sort();
}

describe('the evidence archive (through the real handler)', () => {
  it('holds the whole report and its findings at the documented keys, as SNS received them', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'stale', certificates: [{ ageDays: 200 }, { ageDays: 400 }] },
      { userName: 'fresh', certificates: [{ ageDays: 3 }] },
    ]);

    await invokeHandler({
      TOPIC_ARN: mailbox.topicArn,
      ARCHIVE_BUCKET: BUCKET,
      MODE: 'deactivate',
    });

    const published = reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));
    const keys = archiveKeys(published);
    const all = await keysIn();
    // Beside the report, the change record: the run's own entry, then an intent and an outcome
    // for each of the 2 changes.
    const changes = changeRunPrefix(published.accountId, published.runId);
    expect(all.filter((key) => !key.startsWith(changes))).toEqual(
      [keys.findings, keys.html, keys.ocsf, keys.report].sort(),
    );
    expect(all.filter((key) => key.startsWith(changes))).toHaveLength(5);
    expect(all).toContain(`${changes}run-entry.json`);
    const archived = JSON.parse(await read(keys.report)) as Report;
    // The archive holds the report whole: the same as the parts SNS delivered, put together.
    expect(archived).toEqual(published);
    expect(archived.part).toEqual({ index: 1, count: 1 });
    const lines = (await read(keys.findings))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual(
      archived.findings.map((finding) => ({
        runId: archived.runId,
        evaluatedAt: archived.evaluatedAt,
        accountId: archived.accountId,
        ...finding,
      })),
    );
    expect(await read(keys.html)).toContain('<!doctype html>');
    // Beside the report, its failing findings as OCSF Compliance Findings that validate against
    // the OCSF schema's own files: one per over-age certificate, both deactivated this run.
    const records = (await read(keys.ocsf))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as OcsfComplianceFinding);
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(validateOcsfRecord(ocsfSchema, 'compliance_finding', record)).toEqual([]);
    }
    expect(records.map((r) => [r.compliance.status, r.status, r.cloud.account.uid])).toEqual([
      ['Fail', 'Resolved', archived.accountId],
      ['Fail', 'Resolved', archived.accountId],
    ]);
    expect(records.map((r) => r.finding_info.uid).sort()).toEqual(
      archived.findings
        .filter((f) => f.verdict === 'NON_COMPLIANT')
        .map((f) => asffId(archived.accountId, f.certificateId ?? '', 'age'))
        .sort(),
    );
  });

  it('archives every credential with INCLUDE_COMPLIANT, the compliant ones as COMPLIANT; SNS gets the report without them', async () => {
    const seeded = await seedUsers(clients.iam, endpoint, [
      { userName: 'stale', certificates: [{ ageDays: 200 }, { ageDays: 400 }] },
      { userName: 'fresh', certificates: [{ ageDays: 3 }] },
    ]);

    await invokeHandler({
      TOPIC_ARN: mailbox.topicArn,
      ARCHIVE_BUCKET: BUCKET,
      INCLUDE_COMPLIANT: 'true',
    });
    const fresh = seeded.find((c) => c.userName === 'fresh');

    const published = reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));
    const keys = archiveKeys(published);
    const archived = JSON.parse(await read(keys.report)) as Report;
    expect(archived.policy.includeCompliant).toBe(true);
    expect(
      archived.findings.map((f) => [f.userName, f.certificateId, f.verdict, f.severity]),
    ).toEqual([
      ['fresh', fresh?.certificateId, 'COMPLIANT', 'INFO'],
      ...published.findings.map((f) => [f.userName, f.certificateId, f.verdict, f.severity]),
    ]);
    // SNS: the report without them, the summary the same.
    expect(published.findings.map((f) => f.verdict)).toEqual(['NON_COMPLIANT', 'NON_COMPLIANT']);
    expect(published.summary).toEqual(archived.summary);
    expect({ ...archived, findings: published.findings }).toEqual(published);
    // The findings' JSON Lines and the HTML page hold it; the OCSF file passes it.
    expect(await read(keys.findings)).toContain(fresh?.certificateId);
    expect(await read(keys.html)).toContain(fresh?.certificateId);
    const records = (await read(keys.ocsf))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as OcsfComplianceFinding);
    expect(
      records
        .filter((r) => r.resources.some((x) => x.uid === fresh?.certificateId))
        .map((r) => [r.compliance.control, r.compliance.status]),
    ).toEqual([
      ['age', 'Pass'],
      ['content', 'Pass'],
    ]);
    for (const record of records) {
      expect(validateOcsfRecord(ocsfSchema, 'compliance_finding', record)).toEqual([]);
    }
  });

  it('archives a run of compliant credentials alone with INCLUDE_COMPLIANT, and publishes nothing: a clean run', async () => {
    await seedUsers(clients.iam, endpoint, [{ userName: 'fresh', certificates: [{ ageDays: 3 }] }]);

    await invokeHandler({
      TOPIC_ARN: mailbox.topicArn,
      ARCHIVE_BUCKET: BUCKET,
      INCLUDE_COMPLIANT: 'true',
    });

    expect(await receiveAll(clients.sqs, mailbox.queueUrl)).toEqual([]);
    const objects = await keysIn();
    const report = JSON.parse(
      await read(objects.find((key) => key.endsWith('.json')) ?? ''),
    ) as Report;
    expect(report.findings.map((f) => [f.userName, f.verdict])).toEqual([['fresh', 'COMPLIANT']]);
  });

  it('archives a clean run, which publishes nothing', async () => {
    await seedUsers(clients.iam, endpoint, [{ userName: 'fresh', certificates: [{ ageDays: 3 }] }]);

    await invokeHandler({ TOPIC_ARN: mailbox.topicArn, ARCHIVE_BUCKET: BUCKET });

    expect(await receiveAll(clients.sqs, mailbox.queueUrl)).toEqual([]);
    const objects = await keysIn();
    expect(objects).toHaveLength(4);
    const report = JSON.parse(
      await read(objects.find((key) => key.endsWith('.json')) ?? ''),
    ) as Report;
    expect(report).toMatchObject({
      complete: true,
      findings: [],
      summary: { certificatesScanned: 1 },
    });
    // The findings and the OCSF findings are there, and empty: nothing was found, nothing failed.
    const jsonLines = objects.filter((key) => key.endsWith('.jsonl'));
    expect(jsonLines.filter((key) => key.endsWith('.ocsf.jsonl'))).toHaveLength(1);
    expect(jsonLines).toHaveLength(2);
    for (const key of jsonLines) expect(await read(key)).toBe('');
  });

  it('fails the run when the archive cannot be written, after logging the report', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'stale', certificates: [{ ageDays: 200 }] },
    ]);
    const logged: string[] = [];
    const capture = (chunk: unknown) => {
      logged.push(String(chunk));
      return true;
    };
    const spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];

    let failure: unknown;
    try {
      await invokeHandler({ TOPIC_ARN: mailbox.topicArn, ARCHIVE_BUCKET: 'no-such-bucket-here' });
    } catch (error: unknown) {
      failure = error;
    } finally {
      for (const spy of spies) spy.mockRestore();
    }

    expect(failure).toMatchObject({ name: 'RunFailedError' });
    expect(String((failure as Error).message)).toMatch(
      /s3-archive: Writing s3:\/\/no-such-bucket-here\/reports\/.* failed \(NoSuchBucket/,
    );
    const line = logged
      .flatMap((chunk) => chunk.split('\n'))
      .find((text) => text.includes('Delivering the report failed; the full report follows'));
    const kept = (JSON.parse(line ?? '{}') as { report?: Report }).report;
    expect(kept?.findings.map((f) => f.userName)).toEqual(['stale']);
  });
});
