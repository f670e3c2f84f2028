import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { findingsJsonLines } from '../../lambda/core/archive-layout';
import { CREDENTIAL_TYPES } from '../../lambda/core/credential';
import { ConfigError } from '../../lambda/core/errors';
import { CREDENTIAL_TYPE_DIMENSION, METRIC_NAMES } from '../../lambda/handlers/metrics';
import { OrgAuditorStack } from '../../lib/org-auditor-stack';
import { findingOf, reportOf } from '../unit/fixtures';
import { EVERY_KIND, everyKindPolicy } from '../unit/kind-findings';
import { createOrgApp, errorOf, functionPermissions, onlyResource, synthStack } from './helpers';

describe('the evidence archive bucket', () => {
  it('is versioned, private, TLS-only, KMS-encrypted with its own key, logged and kept', () => {
    const template = synthStack();

    const bucket = onlyResource(template, 'AWS::S3::Bucket', 'ArchiveBucket');
    const logs = onlyResource(template, 'AWS::S3::Bucket', 'ArchiveAccessLogs');
    const keyId = (
      bucket.properties.BucketEncryption as {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: { KMSMasterKeyID: { 'Fn::GetAtt': [string, string] } };
            BucketKeyEnabled: boolean;
          },
        ];
      }
    ).ServerSideEncryptionConfiguration[0];
    expect(keyId.ServerSideEncryptionByDefault).toMatchObject({ SSEAlgorithm: 'aws:kms' });
    expect(keyId.BucketKeyEnabled).toBe(true);
    const [key] = keyId.ServerSideEncryptionByDefault.KMSMasterKeyID['Fn::GetAtt'];
    expect(template.toJSON().Resources[key]).toMatchObject({
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
    });
    expect(bucket.properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: logs.id }, LogFilePrefix: 'archive/' },
    });
    expect(template.toJSON().Resources[bucket.id].DeletionPolicy).toBe('Retain');
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket.id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('expires reports after reportRetentionDays, 400 by default', () => {
    const rule = (days?: number) =>
      (
        onlyResource(
          synthStack(days === undefined ? {} : { reportRetentionDays: String(days) }),
          'AWS::S3::Bucket',
          'ArchiveBucket',
        ).properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }
      ).Rules[0];

    expect(rule()).toMatchObject({
      ExpirationInDays: 400,
      NoncurrentVersionExpiration: { NoncurrentDays: 400 },
      Status: 'Enabled',
    });
    expect(rule(30)).toMatchObject({ ExpirationInDays: 30 });
  });

  it('locks reports for objectLockDays in governance mode when asked, and never longer than kept', () => {
    const bucket = onlyResource(
      synthStack({ objectLockDays: 30 }),
      'AWS::S3::Bucket',
      'ArchiveBucket',
    );

    expect(bucket.properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } },
      },
    });
    expect(
      onlyResource(synthStack(), 'AWS::S3::Bucket', 'ArchiveBucket').properties.ObjectLockEnabled,
    ).toBeUndefined();
    const error = errorOf(() => synthStack({ objectLockDays: 500 }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(
      /^objectLockDays=500 is not allowed: .*not more than reportRetentionDays \(400\)/,
    );
  });

  it.each([
    ['reportRetentionDays', 0],
    ['reportRetentionDays', 'forever'],
    ['objectLockDays', 4000],
    ['archiveBucketName', 'Not_A_Bucket'],
  ])('refuses %s=%j, naming it', (key, value) => {
    const error = errorOf(() => synthStack({ [key]: value }));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(new RegExp(`^${key}=.* is not allowed`));
  });

  it('lets the function put objects under reports/ and findings/ only, with the archive key', () => {
    const template = synthStack();

    const permissions = functionPermissions(template);
    expect(permissions['s3:PutObject']).toEqual([
      '{AWS::S3::Bucket.Arn}/findings/*',
      '{AWS::S3::Bucket.Arn}/reports/*',
    ]);
    expect(Object.keys(permissions).filter((action) => action.startsWith('s3:'))).toEqual([
      's3:PutObject',
    ]);
    const bucket = onlyResource(template, 'AWS::S3::Bucket', 'ArchiveBucket');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 's3:PutObject',
            Resource: [
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket.id, 'Arn'] }, '/findings/*']] },
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket.id, 'Arn'] }, '/reports/*']] },
            ],
          },
        ]),
      },
    });
  });

  it('uses an existing bucket when named, creating none and granting on it', () => {
    const template = synthStack({ archiveBucketName: 'my-evidence' });

    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(functionPermissions(template)['s3:PutObject']).toEqual([
      'arn:{AWS::Partition}:s3:::my-evidence/findings/*',
      'arn:{AWS::Partition}:s3:::my-evidence/reports/*',
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ARCHIVE_BUCKET: 'my-evidence' }) },
    });
  });
});

describe('the findings table', () => {
  it('of an organization is partitioned by date alone, so a query sees every member account', () => {
    const template = Template.fromStack(new OrgAuditorStack(createOrgApp(), 'Org'));

    const table = onlyResource(template, 'AWS::Glue::Table');
    const input = table.properties.TableInput as {
      PartitionKeys: unknown;
      Parameters: Record<string, unknown>;
    };
    expect(input.PartitionKeys).toEqual([{ Name: 'date', Type: 'string' }]);
    expect(Object.keys(input.Parameters).filter((key) => key.includes('account'))).toEqual([]);
    expect(input.Parameters['storage.location.template']).toEqual({
      'Fn::Join': [
        '',
        ['s3://', { Ref: expect.stringContaining('ArchiveBucket') }, `/findings/date=\${date}/`],
      ],
    });
  });

  it('reads the JSON Lines under findings/, partitioned by account and date without a crawler', () => {
    const template = synthStack();

    const bucket = onlyResource(template, 'AWS::S3::Bucket', 'ArchiveBucket');
    const table = onlyResource(template, 'AWS::Glue::Table');
    const input = table.properties.TableInput as Record<string, unknown>;
    expect(input).toMatchObject({
      Name: 'findings',
      TableType: 'EXTERNAL_TABLE',
      PartitionKeys: [
        { Name: 'account', Type: 'string' },
        { Name: 'date', Type: 'string' },
      ],
      Parameters: {
        'projection.enabled': 'true',
        'projection.account.type': 'enum',
        'projection.account.values': { Ref: 'AWS::AccountId' },
        'projection.date.type': 'date',
        'projection.date.format': 'yyyy-MM-dd',
      },
      StorageDescriptor: {
        Location: { 'Fn::Join': ['', ['s3://', { Ref: bucket.id }, '/findings/']] },
        SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
      },
    });
    const columns = (input.StorageDescriptor as { Columns: { Name: string }[] }).Columns.map(
      (c) => c.Name,
    );
    expect(columns).toEqual(
      expect.arrayContaining(['verdict', 'severity', 'certificateid', 'runid']),
    );
    template.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: { Name: Match.stringLikeRegexp('^[a-z0-9_]+$') },
    });
  });
});

describe('the findings table’s columns', () => {
  const columnsOf = (template: ReturnType<typeof synthStack>) => {
    const table = onlyResource(template, 'AWS::Glue::Table');
    const input = table.properties.TableInput as {
      StorageDescriptor: { Columns: { Name: string }[] };
    };
    return input.StorageDescriptor.Columns.map((c) => c.Name);
  };

  it('name each finding’s kind of credential, its id and its service', () => {
    expect(columnsOf(synthStack())).toEqual(
      expect.arrayContaining(['credentialtype', 'credentialid', 'servicename']),
    );
  });

  it('hold every key a findings line of any kind has, and nothing a line lacks', () => {
    // Prepare: a line of every kind, and one about a user whose credentials were unread.
    const lines = findingsJsonLines(
      reportOf(
        [
          ...EVERY_KIND.map(([, of]) => of()),
          findingOf({ certificateId: null, credentialType: null, credentialId: null }),
          // One an exemptions file entry exempted: only it has `exemption`.
          findingOf({
            verdict: 'EXEMPT',
            severity: 'INFO',
            certificateId: 'CERTEXEMPT00000000000001',
            credentialId: 'CERTEXEMPT00000000000001',
            exemption: {
              entry: 1,
              reason: 'vendor',
              approvedBy: 'sec@example.com',
              ticket: null,
              expires: '2027-03-31',
            },
          }),
        ],
        { policy: everyKindPolicy() },
      ),
    )
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const keys = new Set(lines.flatMap((line) => Object.keys(line).map((k) => k.toLowerCase())));

    // Act
    const columns = columnsOf(synthStack());

    // Assess: the JSON keys are camelCase, the columns lower case (case.insensitive).
    expect(lines).toHaveLength(5);
    expect([...keys].filter((key) => !columns.includes(key))).toEqual([]);
    expect(columns.filter((column) => !keys.has(column))).toEqual([]);
  });
});

describe('the dashboard', () => {
  it('charts every run metric and shows every alarm', () => {
    const template = synthStack();

    const dashboard = onlyResource(template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.properties.DashboardBody);
    for (const metric of [
      METRIC_NAMES.certificatesScanned,
      METRIC_NAMES.nonCompliant,
      METRIC_NAMES.expiringSoon,
      METRIC_NAMES.deactivated,
      METRIC_NAMES.deleted,
      METRIC_NAMES.withheld,
      METRIC_NAMES.errors,
      'RunDuration',
      'Incomplete',
    ]) {
      expect(body).toContain(`\\"${metric}\\"`);
    }
    const alarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(5);
    for (const alarm of alarms) expect(body).toContain(alarm);
  });

  it('charts the non-compliant and changed credentials of each kind; no alarm reads a kind’s series', () => {
    const template = synthStack();

    const dashboard = onlyResource(template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.properties.DashboardBody);
    for (const type of CREDENTIAL_TYPES) {
      for (const metric of [METRIC_NAMES.nonCompliant, METRIC_NAMES.deactivated]) {
        // The metric with its kind's dimension beside the service's (CDK orders them by name).
        expect(body).toContain(
          `\\"${metric}\\",\\"${CREDENTIAL_TYPE_DIMENSION}\\",\\"${type}\\",\\"service\\"`,
        );
      }
    }
    // The alarms read the account-wide series (service alone), whatever kinds a run lists.
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const dimensions = alarms.flatMap(
      (alarm) => (alarm.Properties.Dimensions ?? []) as { Name: string }[],
    );
    expect(dimensions.map((d) => d.Name)).not.toContain(CREDENTIAL_TYPE_DIMENSION);
    expect(dimensions.map((d) => d.Name)).toContain('service');
  });
});
