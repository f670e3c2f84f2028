import { DeleteSigningCertificateCommand, DeleteUserCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FINDINGS_PREFIX, REPORTS_PREFIX } from '../../lambda/core/archive-layout';
import type { Report } from '../../lambda/core/report';
import { CREDENTIAL_TYPE_DIMENSION, SCOPE_DIMENSION } from '../../lambda/handlers/metrics';
import {
  createMailbox,
  EMULATOR_ENV,
  type Mailbox,
  MOTO_ACCOUNT_ID,
  type SeededCertificate,
  seedUsers,
} from '../../tools/emulator/emulator';
import { resetMoto } from '../../tools/emulator/moto';
import { usersTrigger } from '../unit/handlers/users-trigger';
import { clients, endpoint, invokeHandler, invokeTrigger } from './harness';

// The trigger seam on moto: a trigger of the tests' own (test/unit/handlers/users-trigger.ts: an
// event parser and a users scope, nothing in lambda/ names it), built by the one wrapper with the
// real production dependencies, against a seeded account, the archive bucket and Security Hub.
// The shipped bundles cannot hold it, so it runs from the sources in this process; the controls
// run the deployed scheduled function, account-scoped, as the constructs deploy it.

const BUCKET = 'trigger-seam-evidence';
const hub = new SecurityHubClient({
  endpoint,
  region: EMULATOR_ENV.AWS_REGION,
  credentials: {
    accessKeyId: EMULATOR_ENV.AWS_ACCESS_KEY_ID,
    secretAccessKey: EMULATOR_ENV.AWS_SECRET_ACCESS_KEY,
  },
});

let mailbox: Mailbox;
let seeded: SeededCertificate[];

beforeEach(async () => {
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients);
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // alice holds two over-age certificates, bob one; carol's is young.
  seeded = await seedUsers(clients.iam, endpoint, [
    { userName: 'alice', certificates: [{ ageDays: 200 }, { ageDays: 250 }] },
    { userName: 'bob', certificates: [{ ageDays: 300 }] },
    { userName: 'carol', certificates: [{ ageDays: 5 }] },
  ]);
});

const env = (extra: Record<string, string> = {}) => ({
  TOPIC_ARN: mailbox.topicArn,
  ARCHIVE_BUCKET: BUCKET,
  SECURITY_HUB_REGION: EMULATOR_ENV.AWS_REGION,
  ...extra,
});

const idOf = (userName: string, ageDays: number) =>
  seeded.find((c) => c.userName === userName && c.ageDays === ageDays)?.certificateId ?? '';

/** Our findings as Security Hub holds them, by certificate: record state and compliance. */
async function held(): Promise<Record<string, string>> {
  const { Findings = [] } = await hub.send(new GetFindingsCommand({ MaxResults: 100 }));
  return Object.fromEntries(
    Findings.filter((f) => f.Id?.startsWith('signing-cert-audit/')).map((f) => [
      f.Id?.split('/')[2] ?? '',
      `${f.RecordState} ${f.Compliance?.Status} ${f.UpdatedAt}`,
    ]),
  );
}

/** Every key of the archive bucket. */
async function keys(): Promise<string[]> {
  const { Contents = [] } = await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return Contents.map((object) => object.Key ?? '').sort();
}

async function read(key: string): Promise<string> {
  const { Body } = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await Body?.transformToString('utf8')) ?? '';
}

/** Runs `run` with the process's standard output captured, and returns the EMF documents. */
async function withMetrics<T>(run: () => Promise<T>) {
  const printed: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    printed.push(String(chunk));
    return true;
  });
  try {
    const result = await run();
    const emf = printed
      .join('')
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // The run's counts, apart from those of each kind it listed (every kind, by default).
    const counts = emf.filter((document) => !(CREDENTIAL_TYPE_DIMENSION in document));
    return { result, emf, counts };
  } finally {
    spy.mockRestore();
  }
}

/**
 * The account audited once by the deployed function (every finding imported), then alice's
 * 250-day certificate and bob's certificate deleted behind its back: both findings are stale.
 */
async function staleFindings(): Promise<void> {
  await invokeHandler(env());
  for (const [userName, ageDays] of [
    ['alice', 250],
    ['bob', 300],
  ] as const) {
    await clients.iam.send(
      new DeleteSigningCertificateCommand({
        UserName: userName,
        CertificateId: idOf(userName, ageDays),
      }),
    );
  }
}

describe('a trigger of the tests’ own reaches the run’s every output through the seam (moto)', () => {
  it('audits alice only: archives its report apart, emits its metrics with its scope, imports her findings and resolves only hers', async () => {
    // Prepare
    await staleFindings();
    const before = await held();
    const archivedBefore = await keys();

    // Act: the test trigger, scope users=[alice], its metrics on.
    const { result, emf, counts } = await withMetrics(() =>
      invokeTrigger(usersTrigger, env({ POWERTOOLS_METRICS_DISABLED: 'false' }), {
        userNames: ['alice'],
      }),
    );

    // Assess: the handler returned the run's summary, about alice alone.
    expect(result.output).toMatchObject({
      usersScanned: 1,
      certificatesScanned: 1,
      nonCompliant: 1,
    });
    // The archive: the whole report and its findings under reports/, none under findings/.
    const added = (await keys()).filter((key) => !archivedBefore.includes(key));
    const prefix = `${REPORTS_PREFIX}account=${MOTO_ACCOUNT_ID}/date=`;
    expect(added).toHaveLength(4);
    expect(added.every((key) => key.startsWith(prefix) && key.includes(result.runId))).toBe(true);
    expect(added.some((key) => key.startsWith(FINDINGS_PREFIX))).toBe(false);
    const reportKey = added.find((key) => key.endsWith(`${result.runId}.json`)) ?? '';
    const report = JSON.parse(await read(reportKey)) as Report;
    expect(report.scope).toEqual({ kind: 'users', userNames: ['alice'] });
    expect(report.findings.map((f) => [f.userName, f.certificateId])).toEqual([
      ['alice', idOf('alice', 200)],
    ]);
    const findingsKey = added.find((key) => key.endsWith('.findings.jsonl')) ?? '';
    expect(await read(findingsKey)).toContain(idOf('alice', 200));
    // The metrics: its own series, with the scope, apart from the account's; its counts per
    // kind too.
    expect(counts).toHaveLength(1);
    expect(emf.length).toBeGreaterThan(1);
    for (const document of emf) expect(document[SCOPE_DIMENSION]).toBe('users');
    expect(counts[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Dimensions: [['service', SCOPE_DIMENSION]] }] },
      [SCOPE_DIMENSION]: 'users',
      NonCompliant: 1,
      UsersScanned: 1,
      Incomplete: 0,
    });
    // Security Hub: alice's finding imported again by this run, her stale one resolved; bob's
    // stale one (and carol's none) untouched.
    const after = await held();
    expect(after[idOf('alice', 200)]).toBe(`ACTIVE FAILED ${report.evaluatedAt}`);
    expect(after[idOf('alice', 250)]).toBe(`ARCHIVED PASSED ${report.evaluatedAt}`);
    expect(after[idOf('bob', 300)]).toBe(before[idOf('bob', 300)]);
    expect(after[idOf('bob', 300)]).toMatch(/^ACTIVE FAILED /);
  });

  it('the control: an account-scoped run of the deployed function resolves bob’s stale finding', async () => {
    // Prepare
    await staleFindings();
    await invokeTrigger(usersTrigger, env(), { userNames: ['alice'] });
    expect((await held())[idOf('bob', 300)]).toMatch(/^ACTIVE FAILED /);
    const archivedBefore = await keys();

    // Act
    const { emf, counts } = await withMetrics(() =>
      invokeHandler(env({ POWERTOOLS_METRICS_DISABLED: 'false' })),
    );

    // Assess: the same sweep, over the account, resolves bob's; its findings go to the table.
    const after = await held();
    expect(after[idOf('bob', 300)]).toMatch(/^ARCHIVED PASSED /);
    expect(after[idOf('alice', 250)]).toMatch(/^ARCHIVED PASSED /);
    expect(after[idOf('alice', 200)]).toMatch(/^ACTIVE FAILED /);
    const added = (await keys()).filter((key) => !archivedBefore.includes(key));
    expect(added.filter((key) => key.startsWith(FINDINGS_PREFIX))).toHaveLength(1);
    expect(counts).toHaveLength(1);
    for (const document of emf) expect(document).not.toHaveProperty(SCOPE_DIMENSION);
    expect(counts[0]).toMatchObject({ NonCompliant: 1, UsersScanned: 3 });
  });

  it('reports a named user deleted since as gone, and resolves nothing of anyone else', async () => {
    // Prepare: carol (whose young certificate had no finding) is deleted after the first run.
    await staleFindings();
    await clients.iam.send(
      new DeleteSigningCertificateCommand({ UserName: 'carol', CertificateId: idOf('carol', 5) }),
    );
    await clients.iam.send(new DeleteUserCommand({ UserName: 'carol' }));
    const before = await held();

    // Act
    const { output } = await invokeTrigger(usersTrigger, env(), { userNames: ['carol'] });

    // Assess
    expect(output).toMatchObject({ usersScanned: 1, gone: 1, errors: 0, nonCompliant: 0 });
    expect(await held()).toEqual(before);
  });
});
