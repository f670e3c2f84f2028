import { IAMClient } from '@aws-sdk/client-iam';
import { beforeEach, describe, expect, it } from 'vitest';
import { isFailing, VERDICTS, type Verdict } from '../../../lambda/core/checks/table';
import { type Finding, ROOT_USER_NAME, SEVERITIES } from '../../../lambda/core/report';
import { runAudit } from '../../../lambda/engine/audit';
import {
  OCSF_CLASS,
  OCSF_VERSION,
  type OcsfComplianceFinding,
  ocsfFindings,
  ocsfJsonLines,
} from '../../../lambda/render/ocsf';
import { asffId, toAsffFindings } from '../../../lambda/sinks/asff';
import { mockedAccount } from '../accounts';
import {
  ACCOUNT_ID,
  CERT_BODY_MARKER,
  daysAgo,
  findingOf,
  iamCert,
  NOW,
  policyWith,
  recordingLogger,
  reportOf,
} from '../fixtures';
import {
  bedrockKeyFinding,
  EVERY_KIND,
  everyKindPolicy,
  ofUser,
  sshKeyFinding,
} from '../kind-findings';
import { loadOcsfSchema, validateOcsfRecord } from './ocsf-schema';

const schema = loadOcsfSchema();
const validate = (record: unknown) => validateOcsfRecord(schema, 'compliance_finding', record);

/** A finding of `verdict` shaped as the engine gives it: root's and ERROR's as theirs are. */
function findingWith(verdict: Verdict, overrides: Partial<Finding> = {}): Finding {
  const base = { verdict, severity: VERDICTS[verdict].severity, ...overrides };
  if (verdict === 'ROOT_SIGNING_CERTIFICATE') {
    return findingOf({
      userName: ROOT_USER_NAME,
      userArn: `arn:aws:iam::${ACCOUNT_ID}:root`,
      certificateId: null,
      status: null,
      uploadDate: null,
      ageDays: null,
      certificate: null,
      ...base,
    });
  }
  if (verdict === 'ERROR') {
    return findingOf({
      certificateId: null,
      status: null,
      uploadDate: null,
      ageDays: null,
      certificate: null,
      error: {
        code: 'AccessDenied',
        message: 'not authorized to perform iam:ListSigningCertificates',
      },
      ...base,
    });
  }
  return findingOf(base);
}

const failingVerdicts = (Object.keys(VERDICTS) as Verdict[]).filter(isFailing);
/**
 * The verdicts that give no record: neither failing nor an exemption (a suppressed record);
 * COMPLIANT, a PASS record, has its own tests.
 */
const EXEMPT: readonly Verdict[] = ['EXEMPT', 'EXEMPTION_EXPIRING'];
const passingVerdicts = (Object.keys(VERDICTS) as Verdict[]).filter(
  (v) => !isFailing(v) && !EXEMPT.includes(v) && v !== 'COMPLIANT',
);

/** A realistic report: over age, deactivated, expired and weak on one certificate, an ERROR, root. */
const realisticReport = () =>
  reportOf([
    findingOf(),
    findingOf({
      userName: 'bob',
      userArn: `arn:aws:iam::${ACCOUNT_ID}:user/engineering/bob`,
      certificateId: 'CERTBOB00000000000000000001',
      plannedAction: 'DEACTIVATE',
      action: 'DEACTIVATED',
    }),
    findingWith('CERT_EXPIRED', {
      userName: 'carol',
      certificateId: 'CERTCAROL0000000000000001',
      ageDays: null,
    }),
    findingWith('WEAK_KEY', {
      userName: 'carol',
      certificateId: 'CERTCAROL0000000000000001',
      ageDays: null,
      detail: 'RSA key of 1024 bits',
    }),
    findingWith('EXPIRING_SOON', { userName: 'dave', certificateId: 'CERTDAVE00000000000000001' }),
    findingWith('ERROR', { userName: 'erin', userArn: `arn:aws:iam::${ACCOUNT_ID}:user/erin` }),
    findingWith('ROOT_SIGNING_CERTIFICATE'),
  ]);

describe('the stored OCSF schema', () => {
  it('is the version the records name', () => {
    expect(schema.version).toBe(OCSF_VERSION);
  });
});

describe('ocsfFindings', () => {
  it('maps every failing verdict of the check table to one valid Compliance Finding', () => {
    expect(failingVerdicts.length).toBeGreaterThan(5);
    for (const verdict of failingVerdicts) {
      const records = ocsfFindings(reportOf([findingWith(verdict)]));

      expect({ verdict, count: records.length }).toEqual({ verdict, count: 1 });
      const [record] = records as [OcsfComplianceFinding];
      expect({ verdict, problems: validate(record) }).toEqual({ verdict, problems: [] });
      expect(record.compliance.status_details[0]).toMatch(new RegExp(`^${verdict}: `));
      // An ERROR means the check could not run: Warning; every other failing verdict failed it.
      expect({ verdict, status: record.compliance.status }).toEqual({
        verdict,
        status: verdict === 'ERROR' ? 'Warning' : 'Fail',
      });
      expect(record.remediation.desc).toBe(VERDICTS[verdict].remediation);
    }
  });

  it('gives nothing for a verdict the table does not mark failing, and an empty file for a clean report', () => {
    expect(passingVerdicts.length).toBeGreaterThan(2);
    for (const verdict of passingVerdicts) {
      expect({ verdict, records: ocsfFindings(reportOf([findingWith(verdict)])) }).toEqual({
        verdict,
        records: [],
      });
    }
    expect(ocsfJsonLines(reportOf([]))).toBe('');
    expect(ocsfJsonLines(reportOf(passingVerdicts.map((v) => findingWith(v))))).toBe('');
  });

  it('records an exempt credential as a suppressed failure, the exemptions file entry in its comment, and validates', () => {
    const exemption = {
      entry: 3,
      reason: 'vendor appliance',
      approvedBy: 'sec@example.com',
      ticket: 'SEC-9',
      expires: '2027-03-31',
    };
    const records = ocsfFindings(
      reportOf([
        findingWith('EXEMPT', { exemption }),
        findingWith('EXEMPTION_EXPIRING', {
          certificateId: 'CERTOTHER0000000000000001',
          credentialId: 'CERTOTHER0000000000000001',
          detail: 'user is tagged signing-cert-audit:exempt=until 2026-12-01',
        }),
      ]),
    );
    expect(records.map((r) => [r.status_id, r.status, r.compliance.status, r.comment])).toEqual([
      [
        3,
        'Suppressed',
        'Fail',
        'exemptions file entry 3 (approved by sec@example.com, ticket SEC-9, through 2027-03-31): vendor appliance',
      ],
      [3, 'Suppressed', 'Fail', 'user is tagged signing-cert-audit:exempt=until 2026-12-01'],
    ]);
    for (const record of records) expect(validate(record)).toEqual([]);
    // Control: a failing finding is New, with no comment.
    const [failing] = ocsfFindings(reportOf([findingWith('NON_COMPLIANT')]));
    expect([failing?.status, failing?.comment]).toEqual(['New', undefined]);
  });

  it('writes the classification, the time and the schema version', () => {
    const [record] = ocsfFindings(reportOf([findingOf()])) as [OcsfComplianceFinding];

    expect(record).toMatchObject({
      activity_id: 1,
      class_uid: 2003,
      category_uid: 2,
      type_uid: 200301,
      time: NOW.getTime(),
      metadata: {
        version: OCSF_VERSION,
        product: { name: 'signing-cert-audit', vendor_name: 'signing-cert-audit' },
      },
      cloud: { provider: 'AWS', account: { uid: ACCOUNT_ID } },
    });
    expect(record.type_uid).toBe(OCSF_CLASS.classUid * 100 + record.activity_id);
  });

  it('maps each severity to its OCSF id', () => {
    const ids = SEVERITIES.map((severity) => {
      const [record] = ocsfFindings(reportOf([findingOf({ severity })])) as [OcsfComplianceFinding];
      return [severity, record.severity_id, record.severity];
    });

    expect(ids).toEqual([
      ['CRITICAL', 5, 'Critical'],
      ['HIGH', 4, 'High'],
      ['MEDIUM', 3, 'Medium'],
      ['LOW', 2, 'Low'],
      ['INFO', 1, 'Informational'],
    ]);
  });

  it('keeps each finding uid across runs, the same as Security Hub’s Id, and one record per certificate and check', () => {
    const first = ocsfFindings(realisticReport());
    const later = ocsfFindings(
      reportOf(realisticReport().findings, { runId: 'run-2', now: daysAgo(-7) }),
    );
    const uids = first.map((r) => r.finding_info.uid);

    expect(later.map((r) => r.finding_info.uid)).toEqual(uids);
    expect(new Set(uids).size).toBe(uids.length);
    // Carol's expired and weak-keyed certificate is one record of the content check.
    expect(uids).toContain(asffId(ACCOUNT_ID, 'CERTCAROL0000000000000001', 'content'));
    const carol = first.find((r) =>
      r.finding_info.uid.includes('CERTCAROL'),
    ) as OcsfComplianceFinding;
    expect(carol.compliance.status_details.map((d) => d.split(':')[0])).toEqual([
      'CERT_EXPIRED',
      'WEAK_KEY',
    ]);
    expect(carol.severity).toBe('High');
    // Every id Security Hub gets for a failing check is an OCSF uid too (it also gets EXPIRING_SOON).
    const asff = toAsffFindings(realisticReport(), { region: 'us-east-1', partition: 'aws' })
      .map((f) => f.Id)
      .filter((id) => !id?.includes('CERTDAVE'));
    expect(uids.filter((uid) => !uid.endsWith('/engine')).sort()).toEqual(asff.sort());
    // A user whose certificates could not be listed is named by its ARN, not a certificate.
    expect(uids).toContain(
      `signing-cert-audit/${ACCOUNT_ID}/arn:aws:iam::${ACCOUNT_ID}:user/erin/engine`,
    );
  });

  it('marks resolved what this run or an earlier one made unusable, and new what can still be used', () => {
    const records = ocsfFindings(realisticReport());
    const statusOf = (part: string) =>
      records.find((r) => r.finding_info.uid.includes(part))?.status;

    expect(statusOf('CERTALICE')).toBe('New');
    expect(statusOf('CERTBOB')).toBe('Resolved');
    expect(statusOf('/root/')).toBe('New');
    expect(statusOf('user/erin')).toBe('New');
  });

  it('names the user and the certificate (id, fingerprint, subject, upload), and root as the account', () => {
    const records = ocsfFindings(realisticReport());
    const alice = records.find((r) => r.finding_info.uid.includes('CERTALICE'));
    const root = records.find((r) => r.finding_info.uid.includes('/root/'));

    expect(alice?.resources).toEqual([
      { type: 'AWS::IAM::User', uid: `arn:aws:iam::${ACCOUNT_ID}:user/alice`, name: 'alice' },
      {
        type: 'AWS::IAM::SigningCertificate',
        uid: 'CERTALICE0000000000000001',
        created_time: Date.parse('2026-01-01T00:00:00.000Z'),
        data: {
          status: 'Active',
          fingerprint256: 'AB:CD',
          subject: 'CN=alice',
          notAfter: '2030-01-01T00:00:00.000Z',
        },
      },
    ]);
    expect(root?.resources).toEqual([{ type: 'AWS::::Account', uid: ACCOUNT_ID, name: 'root' }]);
  });

  it('writes records that validate against the OCSF schema, one JSON line each', () => {
    const lines = ocsfJsonLines(realisticReport()).trimEnd().split('\n');

    expect(lines).toHaveLength(5);
    for (const line of lines) expect(validate(JSON.parse(line))).toEqual([]);
  });
});

describe('ocsfFindings from a real audit', () => {
  const account = mockedAccount();
  beforeEach(() =>
    account.answer({
      alice: [iamCert('alice', 'CERTALICEOLDACTIVE000000001', daysAgo(200))],
      bob: [iamCert('bob', 'CERTBOBYOUNG0000000000000001', daysAgo(10))],
    }),
  );

  it('never carries the certificate body, and validates', async () => {
    const report = await runAudit(
      {
        iam: new IAMClient({ region: 'us-east-1' }),
        logger: recordingLogger(),
        now: NOW,
        runId: 'run-1',
        accountId: ACCOUNT_ID,
      },
      policyWith(),
      { dryRun: false },
    );
    const text = ocsfJsonLines(report);

    expect(text.trimEnd().split('\n')).toHaveLength(1);
    expect(text).toContain('CN=signing-cert-audit test');
    expect(text).not.toContain(CERT_BODY_MARKER);
    expect(text).not.toContain('BEGIN CERTIFICATE');
    expect(validate(JSON.parse(text))).toEqual([]);
  });
});

describe('ocsfFindings: every kind of credential', () => {
  const kindsReport = (findings: Finding[]) => reportOf(findings, { policy: everyKindPolicy() });

  it.each(EVERY_KIND)('writes a valid record of a %s, naming its kind and id', (type, of) => {
    const finding = of();
    const [record] = ocsfFindings(kindsReport([finding]));

    expect(validate(record)).toEqual([]);
    expect(record?.resources[1]).toMatchObject({ uid: finding.credentialId });
    expect(record?.finding_info.desc).toContain(finding.credentialId as string);
    if (type !== 'signing-certificate') {
      expect(record?.resources[1]?.data).toMatchObject({ credentialType: type });
      expect(JSON.stringify(record)).not.toMatch(/certificate/i);
    }
  });

  it('names an SSH key and a Bedrock key by their resource types, and the key’s service', () => {
    const records = ocsfFindings(kindsReport([sshKeyFinding(), bedrockKeyFinding()]));

    expect(records.map((r) => r.resources[1])).toEqual([
      {
        type: 'AWS::IAM::SSHPublicKey',
        uid: 'APKAALICE000000000001',
        created_time: Date.parse('2026-01-01T00:00:00.000Z'),
        data: { status: 'Active', credentialType: 'ssh-public-key' },
      },
      {
        type: 'AWS::IAM::ServiceSpecificCredential',
        uid: 'ACCAALICE000000000001',
        created_time: Date.parse('2026-01-01T00:00:00.000Z'),
        data: {
          status: 'Active',
          credentialType: 'service-specific-credential',
          serviceName: 'bedrock.amazonaws.com',
        },
      },
    ]);
    expect(records.map((r) => r.finding_info.title)).toEqual([
      'IAM SSH public key older than the maximum age',
      'IAM service-specific credential older than the maximum age',
    ]);
    expect(records[1]?.finding_info.desc).toMatch(
      /^User alice, service-specific credential ACCAALICE000000000001 for bedrock\.amazonaws\.com \(Active, 326 days old\)\. NON_COMPLIANT: created more than/,
    );
  });

  it('writes one record per credential and check: the same id in three kinds is three records', () => {
    const id = 'SAMEID0000000000000000001';
    const records = ocsfFindings(
      kindsReport([
        findingOf({ certificateId: id, credentialId: id }),
        sshKeyFinding({ credentialId: id }),
        bedrockKeyFinding({ credentialId: id }),
        // The control: two findings of one credential's check are one record.
        ofUser('alice', sshKeyFinding({ credentialId: id, verdict: 'NON_COMPLIANT' })),
      ]),
    );

    expect(records.map((r) => r.finding_info.uid).sort()).toEqual([
      `signing-cert-audit/${ACCOUNT_ID}/${id}/age`,
      `signing-cert-audit/${ACCOUNT_ID}/service-specific-credential/${id}/age`,
      `signing-cert-audit/${ACCOUNT_ID}/ssh-public-key/${id}/age`,
    ]);
    // The same identity as Security Hub's findings.
    expect(records.map((r) => r.finding_info.uid)).toEqual(
      toAsffFindings(
        kindsReport([
          findingOf({ certificateId: id, credentialId: id }),
          sshKeyFinding({ credentialId: id }),
          bedrockKeyFinding({ credentialId: id }),
        ]),
        { region: 'us-east-1', partition: 'aws' },
      ).map((f) => f.Id),
    );
  });

  it.each(EVERY_KIND)(
    'marks a %s resolved once it cannot be used: Inactive, Expired, switched off',
    (_type, of) => {
      const statusOf = (overrides: Partial<Finding>) =>
        ocsfFindings(kindsReport([of(overrides)]))[0]?.status;

      expect(statusOf({ status: 'Active' })).toBe('New');
      expect(statusOf({ status: 'Inactive' })).toBe('Resolved');
      expect(statusOf({ status: 'Expired' })).toBe('Resolved');
      expect(statusOf({ action: 'DEACTIVATED' })).toBe('Resolved');
    },
  );
});

describe('ocsfFindings: COMPLIANT findings (includeCompliant)', () => {
  const compliantOf = (of: (overrides?: Partial<Finding>) => Finding) =>
    of({ verdict: 'COMPLIANT', severity: 'INFO', ageDays: 10 });
  const kindsReport = (findings: Finding[]) => reportOf(findings, { policy: everyKindPolicy() });

  it.each(EVERY_KIND)(
    'gives a valid PASS record of a compliant %s for each check of its kind',
    (type, of) => {
      const finding = compliantOf(of);
      const records = ocsfFindings(kindsReport([finding]));
      const subject =
        type === 'signing-certificate' ? finding.credentialId : `${type}/${finding.credentialId}`;
      const checks = {
        'signing-certificate': ['age', 'content'],
        'ssh-public-key': ['age', 'ssh-key'],
        'service-specific-credential': ['age', 'expiry'],
      }[type];

      expect(records.map((r) => r.finding_info.uid)).toEqual(
        checks.map((check) => `signing-cert-audit/${ACCOUNT_ID}/${subject}/${check}`),
      );
      for (const record of records) {
        expect(validate(record)).toEqual([]);
        expect(record).toMatchObject({
          compliance: {
            status_id: 1,
            status: 'Pass',
            status_details: [expect.stringMatching(/^COMPLIANT: /)],
          },
          severity_id: 1,
          severity: 'Informational',
          status_id: 4,
          status: 'Resolved',
        });
        expect(record.resources[1]).toMatchObject({ uid: finding.credentialId });
      }
      expect(records.map((r) => r.compliance.control)).toEqual(checks);
    },
  );

  it('gives a failing credential its Fail under the same uid its Pass has once it is fixed', () => {
    const [failing] = ocsfFindings(reportOf([findingOf()]));
    const passes = ocsfFindings(reportOf([compliantOf(findingOf)]));

    expect(passes.map((r) => r.finding_info.uid)).toContain(failing?.finding_info.uid);
    expect(failing?.compliance.status).toBe('Fail');
  });

  it('writes the failing records of a report unchanged beside them, and none without them (the control)', () => {
    const failing = realisticReport();
    const young = compliantOf((overrides) =>
      findingOf({
        certificateId: 'CERTALICEYOUNG00000000001',
        credentialId: 'CERTALICEYOUNG00000000001',
        ...overrides,
      }),
    );
    const withCompliant = reportOf([...failing.findings, young]);

    const all = ocsfFindings(withCompliant);
    expect(all.filter((r) => r.compliance.status !== 'Pass')).toEqual(ocsfFindings(failing));
    expect(all.filter((r) => r.compliance.status === 'Pass')).toHaveLength(2);
    expect(ocsfFindings(failing).some((r) => r.compliance.status === 'Pass')).toBe(false);
  });
});

describe('ocsfFindings: the whole population (includeCompliant in the policy)', () => {
  const expiring = findingWith('EXPIRING_SOON', {
    userName: 'dave',
    userArn: `arn:aws:iam::${ACCOUNT_ID}:user/dave`,
    certificateId: 'CERTDAVE00000000000000001',
    credentialId: 'CERTDAVE00000000000000001',
    ageDays: 80,
  });
  const sshKey = ofUser(
    'erin',
    sshKeyFinding({ verdict: 'COMPLIANT', severity: 'INFO', ageDays: 10 }),
  );
  const carol = {
    certificateId: 'CERTCAROL0000000000000001',
    credentialId: 'CERTCAROL0000000000000001',
  };
  const findings = [
    findingOf(),
    ofUser('carol', findingWith('CERT_EXPIRED', { ...carol, ageDays: null })),
    ofUser('carol', findingWith('WEAK_KEY', { ...carol, ageDays: null })),
    expiring,
    sshKey,
    // About a user whose credentials could not be listed: none of its own.
    findingWith('ERROR', {
      userName: 'frank',
      userArn: `arn:aws:iam::${ACCOUNT_ID}:user/frank`,
      credentialType: null,
      credentialId: null,
    }),
    findingWith('ROOT_SIGNING_CERTIFICATE', { credentialType: null, credentialId: null }),
  ];
  const whole = reportOf(findings, { policy: everyKindPolicy({ includeCompliant: true }) });
  const records = ocsfFindings(whole);
  const ofSubject = (subject: string) =>
    records
      .filter((r) => r.finding_info.uid.startsWith(`signing-cert-audit/${ACCOUNT_ID}/${subject}/`))
      .map((r) => [r.compliance.control, r.compliance.status, r.compliance.status_details]);

  it('names every credential listed, each check of its kind a Pass or a Fail, all valid', () => {
    for (const record of records) expect(validate(record)).toEqual([]);
    const named = new Set(records.flatMap((r) => r.resources.slice(1).map((x) => x.uid)));
    for (const finding of findings) {
      if (finding.credentialId !== null) expect(named).toContain(finding.credentialId);
    }
    // A verdict that does not fail passes its check, named; the check it gave no verdict passes bare.
    expect(ofSubject('CERTDAVE00000000000000001')).toEqual([
      ['age', 'Pass', ['EXPIRING_SOON: within `warnBeforeDays` of `maxAgeDays`']],
      [
        'content',
        'Pass',
        ['COMPLIANT: Signing certificates are valid, with sound keys and signatures'],
      ],
    ]);
    expect(ofSubject('ssh-public-key/APKAALICE000000000001')).toEqual([
      ['age', 'Pass', ['COMPLIANT: SSH public keys are rotated within the maximum age']],
      ['ssh-key', 'Pass', ['COMPLIANT: SSH public keys are RSA keys of at least 2048 bits']],
    ]);
    expect(ofSubject('CERTALICE0000000000000001').map(([c, status]) => [c, status])).toEqual([
      ['age', 'Fail'],
      ['content', 'Pass'],
    ]);
    // carol's certificate failed its content check (expired, weak) and passed its age check.
    expect(
      ofSubject('CERTCAROL0000000000000001').map(([control, status]) => [control, status]),
    ).toEqual([
      ['content', 'Fail'],
      ['age', 'Pass'],
    ]);
  });

  it('keeps every failing record as it is without it, and adds no Pass without it (the control)', () => {
    const without = reportOf(findings.filter((f) => f.verdict !== 'COMPLIANT'));

    expect(records.filter((r) => r.compliance.status !== 'Pass')).toEqual(ocsfFindings(without));
    expect(ocsfFindings(without).some((r) => r.compliance.status === 'Pass')).toBe(false);
  });

  it('writes no Pass for a credential an ERROR is about, nor for root or a user', () => {
    const unread = findingWith('ERROR', {
      certificateId: 'CERTFRANK0000000000000001',
      credentialId: 'CERTFRANK0000000000000001',
      userName: 'frank',
      userArn: `arn:aws:iam::${ACCOUNT_ID}:user/frank`,
    });
    const only = ocsfFindings(
      reportOf([unread, findingWith('ROOT_SIGNING_CERTIFICATE')], {
        policy: everyKindPolicy({ includeCompliant: true }),
      }),
    );

    expect(only.map((r) => r.compliance.status).sort()).toEqual(['Fail', 'Warning']);
  });
});

describe('the OCSF validator (controls: it can fail)', () => {
  // biome-ignore lint/suspicious/noExplicitAny: each control breaks the record where it likes
  type Loose = Record<string, any>;
  const valid = (): Loose => JSON.parse(JSON.stringify(ocsfFindings(reportOf([findingOf()]))[0]));

  it('accepts the valid record the controls start from', () => {
    expect(validate(valid())).toEqual([]);
  });

  it('fails a record missing a required attribute, at the top and in an object', () => {
    const record = valid();
    delete record.finding_info.uid;
    delete record.compliance;

    expect(validate(record)).toEqual([
      'compliance is missing: compliance_finding requires it',
      'finding_info.uid is missing: finding_info requires it',
    ]);
  });

  it('fails the cloud profile’s required cloud, and the cloud object’s provider', () => {
    const record = valid();
    delete record.cloud.provider;
    expect(validate(record)).toEqual(['cloud.provider is missing: cloud requires it']);
    delete record.cloud;
    expect(validate(record)).toEqual(['cloud is missing: compliance_finding requires it']);
  });

  it('fails an unknown attribute, naming what is defined', () => {
    const record = valid();
    record.certificate_body = '-----BEGIN CERTIFICATE-----';
    record.compliance.verdict = 'NON_COMPLIANT';

    const problems = validate(record);
    expect(problems).toHaveLength(2);
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^certificate_body is not an attribute of compliance_finding \(it defines .*finding_info/,
      ),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^compliance\.verdict is not an attribute of compliance \(it defines .*standards/,
      ),
    );
  });

  it('fails a bad enum value, a caption that does not match its id, and a wrong type', () => {
    const record = valid();
    record.severity_id = 7;
    record.compliance.status_id = 4;
    record.status = 'Open';
    record.time = NOW.toISOString();
    record.compliance.standards = 'signing-cert-audit';

    expect(validate(record)).toEqual([
      'severity_id is 7: not one of 0, 1, 2, 3, 4, 5, 6, 99',
      'time is string: expected timestamp_t (long_t)',
      'status is "Open": status_id 1 is "New"',
      'compliance.standards is string: expected an array of string_t',
      'compliance.status_id is 4: not one of 0, 1, 2, 3, 99',
    ]);
  });

  it('fails classification ids that break the schema’s rules', () => {
    const record = valid();
    record.type_uid = 200399;
    record.class_uid = 2004;

    expect(validate(record)).toEqual([
      'class_uid is 2004: compliance_finding is 2003',
      'type_uid is 200399: class_uid * 100 + activity_id is 200301',
    ]);
  });

  it('fails an attribute of a profile the record does not apply', () => {
    const record = valid();
    record.metadata.profiles = [];

    expect(validate(record)[0]).toMatch(/^cloud is not an attribute of compliance_finding/);
  });
});
