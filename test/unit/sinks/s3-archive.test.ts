import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  archiveKeys,
  findingsJsonLines,
  REPORTS_PREFIX,
} from '../../../lambda/core/archive-layout';
import type { Finding } from '../../../lambda/core/report';
import { usersScope } from '../../../lambda/core/scope';
import { ocsfJsonLines } from '../../../lambda/render/ocsf';
import { ArchiveError, archiveSink } from '../../../lambda/sinks/s3-archive';
import { ACCOUNT_ID, findingOf, NOW, reportOf as sharedReportOf } from '../fixtures';
import { EVERY_KIND, withoutKind } from '../kind-findings';

const s3Mock = mockClient(S3Client);

const finding = (i: number): Finding =>
  findingOf({
    userName: `user-${i}`,
    userArn: `arn:aws:iam::${ACCOUNT_ID}:user/user-${i}`,
    certificateId: `CERT${String(i).padStart(24, '0')}`,
    certificate: null,
  });

const reportOf = (findings: Finding[], runId = 'run-1') => sharedReportOf(findings, { runId });

beforeEach(() => s3Mock.reset());

describe('archiveKeys', () => {
  it('partitions by account and date, findings under a prefix of their own', () => {
    expect(archiveKeys(reportOf([]))).toEqual({
      report: `reports/account=${ACCOUNT_ID}/date=2026-11-23/run-1.json`,
      html: `reports/account=${ACCOUNT_ID}/date=2026-11-23/run-1.html`,
      ocsf: `reports/account=${ACCOUNT_ID}/date=2026-11-23/run-1.ocsf.jsonl`,
      findings: `findings/account=${ACCOUNT_ID}/date=2026-11-23/run-1.jsonl`,
    });
  });

  it('partitions an organization’s findings by date alone, each file named by its account', () => {
    expect(archiveKeys(reportOf([]), 'organization')).toEqual({
      report: `reports/account=${ACCOUNT_ID}/date=2026-11-23/run-1.json`,
      html: `reports/account=${ACCOUNT_ID}/date=2026-11-23/run-1.html`,
      ocsf: `reports/account=${ACCOUNT_ID}/date=2026-11-23/run-1.ocsf.jsonl`,
      findings: `findings/date=2026-11-23/${ACCOUNT_ID}-run-1.jsonl`,
    });
  });

  it('keeps a users-scoped run’s findings beside its report, outside the findings table', () => {
    const report = sharedReportOf([], { runId: 'run-1', scope: usersScope(['alice']) });

    for (const layout of ['account', 'organization'] as const) {
      expect(archiveKeys(report, layout)).toEqual({
        report: `reports/account=${ACCOUNT_ID}/date=2026-11-23/run-1.json`,
        html: `reports/account=${ACCOUNT_ID}/date=2026-11-23/run-1.html`,
        ocsf: `reports/account=${ACCOUNT_ID}/date=2026-11-23/run-1.ocsf.jsonl`,
        findings: `reports/account=${ACCOUNT_ID}/date=2026-11-23/run-1.findings.jsonl`,
      });
    }
  });

  it('makes a strange run id safe for a key', () => {
    expect(archiveKeys(reportOf([], '../x y')).report).toMatch(/\/\.\._x_y\.json$/);
  });
});

describe('findingsJsonLines', () => {
  it('writes one finding a line, with its run', () => {
    const lines = findingsJsonLines(reportOf([finding(1), finding(2)]))
      .trimEnd()
      .split('\n');

    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { runId: 'run-1', evaluatedAt: NOW.toISOString(), accountId: ACCOUNT_ID, ...finding(1) },
      { runId: 'run-1', evaluatedAt: NOW.toISOString(), accountId: ACCOUNT_ID, ...finding(2) },
    ]);
    expect(findingsJsonLines(reportOf([]))).toBe('');
  });
});

describe('findingsJsonLines: every kind of credential', () => {
  it.each(EVERY_KIND)('names a %s’s kind, id and service on its line', (type, of) => {
    const finding = of();

    const [line] = findingsJsonLines(reportOf([finding]))
      .trimEnd()
      .split('\n');

    expect(JSON.parse(line as string)).toMatchObject({
      credentialType: type,
      credentialId: finding.credentialId,
      serviceName: finding.serviceName,
      certificateId: type === 'signing-certificate' ? finding.certificateId : null,
    });
  });

  it('gives a finding from before findings named their kind every column, null', () => {
    const legacy = withoutKind(finding(1));

    const [line] = findingsJsonLines(reportOf([legacy]))
      .trimEnd()
      .split('\n');

    expect(JSON.parse(line as string)).toMatchObject({
      credentialType: null,
      credentialId: null,
      serviceName: null,
    });
  });
});

describe('archiveSink', () => {
  it('writes the whole report, its findings and its page, and says where', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    const report = reportOf([finding(1)]);
    const keys = archiveKeys(report);

    const delivery = await archiveSink(new S3Client({}), 'evidence').deliver(report);

    expect(delivery).toEqual({
      status: 'delivered',
      detail: `s3://evidence/${keys.report}`,
      archived: { report: `s3://evidence/${keys.report}`, html: `s3://evidence/${keys.html}` },
    });
    expect(s3Mock).toReceiveCommandWith(PutObjectCommand, {
      Bucket: 'evidence',
      Key: keys.report,
      Body: `${JSON.stringify(report)}\n`,
      ContentType: 'application/json',
    });
    expect(s3Mock).toReceiveCommandWith(PutObjectCommand, { Key: keys.findings });
    // The OCSF records beside the report, under reports/: the Glue table reads findings/ only.
    expect(keys.ocsf.startsWith(REPORTS_PREFIX)).toBe(true);
    expect(s3Mock).toReceiveCommandWith(PutObjectCommand, {
      Key: keys.ocsf,
      Body: ocsfJsonLines(report),
      ContentType: 'application/x-ndjson',
    });
    expect(ocsfJsonLines(report)).not.toBe('');
    expect(s3Mock).toReceiveCommandWith(PutObjectCommand, {
      Key: keys.html,
      ContentType: 'text/html; charset=utf-8',
    });
  });

  it('archives a clean run too: the evidence that the account was clean', async () => {
    s3Mock.on(PutObjectCommand).resolves({});

    const delivery = await archiveSink(new S3Client({}), 'evidence').deliver(reportOf([]));

    expect(delivery.status).toBe('delivered');
    expect(s3Mock).toReceiveCommandTimes(PutObjectCommand, 4);
    // A clean run's OCSF object is there, and empty: nothing failed.
    expect(s3Mock).toReceiveCommandWith(PutObjectCommand, {
      Key: archiveKeys(reportOf([])).ocsf,
      Body: '',
    });
  });

  it('throws an ArchiveError naming the object and the cause', async () => {
    s3Mock
      .on(PutObjectCommand)
      .rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const report = reportOf([finding(1)]);

    await expect(archiveSink(new S3Client({}), 'evidence').deliver(report)).rejects.toThrow(
      ArchiveError,
    );
    await expect(archiveSink(new S3Client({}), 'evidence').deliver(report)).rejects.toThrow(
      `Writing s3://evidence/${archiveKeys(report).report} failed (AccessDenied: Access Denied)`,
    );
  });
});
