import { Aws, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { type ArchiveLayout, FINDINGS_PREFIX, REPORTS_PREFIX } from '../lambda/core/archive-layout';
import { CHANGES_PREFIX } from '../lambda/core/change-record';
import { declareServicePath } from './service-paths';

/** Properties of {@link AuditArchive}. */
export interface AuditArchiveProps {
  /** How long reports are kept, in days (current and noncurrent versions alike). */
  readonly retentionDays: number;
  /** Object Lock (governance mode) retention, in days: write-once evidence. Absent: no lock. */
  readonly objectLockDays?: number;
  /** A bucket you already have, used instead of creating one; its settings stay yours. */
  readonly existingBucket?: s3.IBucket;
  /**
   * How the findings are laid out, and so the findings table's partitions: `account` (this
   * account's findings, partitions `account` and `date`) or `organization` (every member
   * account's, partition `date` only, each row naming its `accountid`), as archive-layout.ts
   * writes them.
   * @default 'account'
   */
  readonly layout?: ArchiveLayout;
}

/** The Glue columns of one findings line (lambda/core/archive-layout.ts writes them). */
const FINDING_COLUMNS: readonly glue.CfnTable.ColumnProperty[] = [
  { name: 'runid', type: 'string' },
  { name: 'evaluatedat', type: 'string' },
  { name: 'accountid', type: 'string' },
  { name: 'username', type: 'string' },
  { name: 'userarn', type: 'string' },
  { name: 'certificateid', type: 'string' },
  // Which credential, of any kind: `signing-certificate`, `ssh-public-key`,
  // `service-specific-credential`; its IAM id; a service credential's service.
  { name: 'credentialtype', type: 'string' },
  { name: 'credentialid', type: 'string' },
  { name: 'servicename', type: 'string' },
  { name: 'status', type: 'string' },
  { name: 'uploaddate', type: 'string' },
  { name: 'agedays', type: 'int' },
  { name: 'verdict', type: 'string' },
  { name: 'plannedaction', type: 'string' },
  { name: 'action', type: 'string' },
  { name: 'severity', type: 'string' },
  { name: 'error', type: 'struct<code:string,message:string>' },
  { name: 'certificate', type: 'struct<fingerprint256:string,subject:string,notafter:string>' },
  { name: 'detail', type: 'string' },
  {
    name: 'override',
    type: 'struct<tag:string,accountverdict:string,accountplannedaction:string>',
  },
  // The exemptions file entry that exempted the credential; absent (null) otherwise.
  {
    name: 'exemption',
    type: 'struct<entry:int,reason:string,approvedby:string,ticket:string,expires:string>',
  },
];

/**
 * The evidence archive: a versioned, KMS-encrypted, private bucket whose reports expire after
 * `retentionDays` (optionally under Object Lock), its access logs, and a Glue table over the
 * findings (JSON Lines, partitioned by account and date, or by date alone for an organization,
 * with partition projection, so Athena needs no crawler).
 */
export class AuditArchive extends Construct {
  /** Where reports are archived. */
  public readonly bucket: s3.IBucket;
  /** The key the created bucket is encrypted with; undefined for an existing bucket. */
  public readonly key?: kms.Key;
  /** The created bucket's server access logs. */
  public readonly accessLogs?: s3.Bucket;
  /** The Glue database of the findings table. */
  public readonly database: glue.CfnDatabase;
  /** The findings table, for Athena. */
  public readonly findingsTable: glue.CfnTable;

  constructor(scope: Construct, id: string, props: AuditArchiveProps) {
    super(scope, id);
    const expiration = Duration.days(props.retentionDays);

    // Log delivery by a bucket policy (logging.s3.amazonaws.com, scoped to this bucket), in any
    // app: without this feature flag CDK would grant it by the legacy LogDeliveryWrite ACL, which
    // an app that never set the flag (a consumer's) would get, and which ACL-less buckets refuse.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    if (props.existingBucket) {
      this.bucket = props.existingBucket;
    } else {
      // Its own key, kept with the bucket: the reports must stay readable after the stack is gone.
      this.key = new kms.Key(this, 'Key', {
        description: 'Encrypts the signing-certificate audit evidence archive',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
        // Server access logs can only be delivered to a bucket with S3-managed encryption.
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        // Object ownership is left to CDK: it follows how log delivery is granted (a bucket
        // policy under @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy, else an ACL).
        lifecycleRules: [{ expiration }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(this.accessLogs).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          "This bucket holds the archive's server access logs; logging its own access would log the logging.",
      });
      this.bucket = new s3.Bucket(this, 'Bucket', {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.key,
        // One data key per bucket, not per object: fewer KMS calls for the same protection.
        bucketKeyEnabled: true,
        versioned: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        serverAccessLogsBucket: this.accessLogs,
        serverAccessLogsPrefix: 'archive/',
        lifecycleRules: [
          {
            expiration,
            noncurrentVersionExpiration: expiration,
            abortIncompleteMultipartUploadAfter: Duration.days(1),
          },
        ],
        ...(props.objectLockDays === undefined
          ? {}
          : {
              objectLockEnabled: true,
              objectLockDefaultRetention: s3.ObjectLockRetention.governance(
                Duration.days(props.objectLockDays),
              ),
            }),
        // Evidence outlives the stack.
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    const databaseName = Names.uniqueResourceName(this, { maxLength: 120, separator: '_' })
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_');
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: databaseName,
        description: 'Signing-certificate audit findings (one row a finding, one file a run)',
      },
    });
    const location = `s3://${this.bucket.bucketName}/${FINDINGS_PREFIX}`;
    // Partition projection (Athena User Guide, "Partition projection with Amazon Athena"):
    // partitions are computed from these parameters and the key layout, no crawler or MSCK
    // REPAIR needed, and Athena reads only the locations the template gives. Dates from three
    // years back to today. One account's archive projects its one account id; an organization's
    // cannot (an enum needs every value at deploy time, an injected column makes every query
    // name its accounts), so its findings are partitioned by date alone and each row carries
    // its account.
    const organization = (props.layout ?? 'account') === 'organization';
    const byDate = {
      'projection.date.type': 'date',
      'projection.date.format': 'yyyy-MM-dd',
      'projection.date.range': 'NOW-3YEARS,NOW',
      'projection.date.interval': '1',
      'projection.date.interval.unit': 'DAYS',
    };
    this.findingsTable = new glue.CfnTable(this, 'FindingsTable', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName,
      tableInput: {
        name: 'findings',
        description: 'Every finding of every archived run, as JSON Lines',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [
          ...(organization ? [] : [{ name: 'account', type: 'string' }]),
          { name: 'date', type: 'string' },
        ],
        parameters: {
          classification: 'json',
          'projection.enabled': 'true',
          ...(organization
            ? {
                ...byDate,
                'storage.location.template': `${location}date=\${date}/`,
              }
            : {
                'projection.account.type': 'enum',
                'projection.account.values': Aws.ACCOUNT_ID,
                ...byDate,
                'storage.location.template': `${location}account=\${account}/date=\${date}/`,
              }),
        },
        storageDescriptor: {
          location,
          columns: [...FINDING_COLUMNS],
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            // The JSON keys are camelCase; Hive columns are lowercase.
            parameters: { 'case.insensitive': 'true' },
          },
        },
      },
    });
    this.findingsTable.addResourceDependency(this.database);
    if (this.accessLogs) {
      // S3 delivers server access logs as logging.s3.amazonaws.com, naming the source bucket.
      declareServicePath(this, {
        description: "S3 delivers the archive's server access logs",
        principal: { service: 'logging.s3.amazonaws.com' },
        action: 's3:PutObject',
        resource: this.accessLogs.arnForObjects('archive/2026-01-01-00-00-00-0123456789ABCDEF'),
        context: { 'aws:SourceArn': this.bucket.bucketArn, 'aws:SourceAccount': Aws.ACCOUNT_ID },
      });
    }
  }

  /**
   * Lets `grantee` read and/or write the objects under `prefix`, with what SSE-KMS needs on the
   * archive's key: kms:GenerateDataKey to write, kms:Decrypt to read (S3 User Guide, "Using
   * server-side encryption with AWS KMS keys"). Without the key action, S3 refuses the request
   * even though s3:PutObject or s3:GetObject is granted.
   */
  grantObjects(
    grantee: iam.IGrantable & IConstruct,
    prefix: string,
    access: { readonly read?: boolean; readonly write?: boolean },
  ): void {
    const actions = [
      ...(access.read ? ['s3:GetObject'] : []),
      ...(access.write ? ['s3:PutObject'] : []),
    ];
    iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.bucket.arnForObjects(`${prefix}*`)],
    });
    const keyActions = [
      ...(access.read ? ['kms:Decrypt'] : []),
      ...(access.write ? ['kms:GenerateDataKey'] : []),
    ];
    if (this.key && keyActions.length > 0) this.key.grant(grantee, ...keyActions);
  }

  /**
   * Lets `grantee` write reports and findings, and nothing else: s3:PutObject under the two
   * prefixes (not grantPut, which adds retention, legal-hold and tagging actions), and the one
   * KMS action an SSE-KMS write needs on the archive's key.
   */
  grantWriteReports(
    grantee: iam.IGrantable & IConstruct,
    /**
     * `users` for a function whose runs cover named users only (the real-time ones): their
     * findings go beside the report under reports/ (lambda/core/archive-layout.ts), never under
     * findings/, the Athena table that speaks for the whole account, which it may not write.
     */
    scope: 'account' | 'users' = 'account',
  ): void {
    this.grantPutUnder(
      grantee,
      scope === 'users' ? [REPORTS_PREFIX] : [REPORTS_PREFIX, FINDINGS_PREFIX],
      'one object per run, named by the run id',
    );
  }

  /**
   * Lets `grantee` write the change record (deactivate and delete mode only: report mode changes
   * nothing): s3:PutObject under changes/, one object per entry, and kms:GenerateDataKey on the
   * archive's key. Nothing reads it back but the operator's `restore`, with its own credentials.
   */
  grantWriteChanges(grantee: iam.IGrantable & IConstruct): void {
    this.grantPutUnder(
      grantee,
      [CHANGES_PREFIX],
      'one object per recorded change, named by the run and certificate',
    );
  }

  /** s3:PutObject under `prefixes` and the key's kms:GenerateDataKey, each wildcard acknowledged. */
  private grantPutUnder(
    grantee: iam.IGrantable & IConstruct,
    prefixes: readonly string[],
    named: string,
  ): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject'],
      resourceArns: prefixes.map((prefix) => this.bucket.arnForObjects(`${prefix}*`)),
    });
    this.key?.grant(grantee, 'kms:GenerateDataKey');
    // cdk-nag names the resource as it renders it: <LogicalId.Arn> for a bucket created here.
    const created = this.bucket.node.defaultChild as s3.CfnBucket | undefined;
    const bucket = created
      ? `<${Stack.of(this).resolve(created.logicalId)}.Arn>`
      : `arn:<AWS::Partition>:s3:::${this.bucket.bucketName}`;
    for (const prefix of prefixes) {
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucket}/${prefix}*]`,
        reason: `s3:PutObject only, under ${prefix} of the archive: ${named}, not known at deploy time.`,
      });
    }
  }
}
