import type { IncomingHttpHeaders } from 'node:http';

/**
 * What one HTTP request to AWS asks for, in IAM's terms: the operation, the IAM action that
 * authorizes it and the resource that action is evaluated on. Decoded from the wire by the
 * emulator's proxies (tools/emulator/fault-proxy.ts), so the record of the calls the code makes
 * comes from the code's own traffic, never from a hand-written list.
 *
 * The action and resource types follow the Service Authorization Reference (e.g. `s3:ListBucket`
 * authorizes ListObjectsV2 on the bucket; `iam:ListUsers` has no resource type, so `*`).
 */
export interface DecodedRequest {
  /** The signing name: `iam`, `sts`, `sns`, `s3`, `organizations`, `securityhub`, `sqs`, … */
  readonly service: string;
  /** The API operation, e.g. `ListObjectsV2`. */
  readonly operation: string;
  /** The IAM action that authorizes it, e.g. `s3:ListBucket`; `''` when none is known. */
  readonly action: string;
  /** The resource the action is evaluated on, or what is needed to name it. */
  readonly resource: ResourceRef;
  /** The region of the SigV4 credential scope (`us-east-1` for IAM, which is global). */
  readonly region: string;
  /** The access key id the request is signed with: who sent it. */
  readonly accessKeyId: string;
  /** The request's parameters that matter to a policy or to the record (never a body or a secret). */
  readonly params: Readonly<Record<string, string>>;
}

/** How the resource of a request is named: whole, or by a user name the recorder resolves. */
export type ResourceRef =
  | { readonly kind: 'arn'; readonly arn: string }
  /** An IAM user by name: its ARN holds its path, which the request does not carry. */
  | { readonly kind: 'iam-user'; readonly userName: string }
  /** An Organizations root or OU by id: its ARN holds the organization and management account. */
  | { readonly kind: 'org-parent'; readonly parentId: string }
  /** Security Hub's hub in the caller's account and the request's region. */
  | { readonly kind: 'securityhub-hub' }
  /** The action has no resource type: policies grant it on `*`. */
  | { readonly kind: 'any' }
  /** Not a call the code makes (the emulator's own routes, test tooling). */
  | { readonly kind: 'none' };

/**
 * The operations the code may call with a user name, whose resource is that user (each has the
 * `user` resource type alone: Service Authorization Reference, "Actions, resources, and condition
 * keys for AWS Identity and Access Management"). ListServiceSpecificCredentials with
 * `AllUsers=true` names no user: its resource is then `*`.
 */
const IAM_USER_OPERATIONS = new Set([
  'ListSigningCertificates',
  'ListUserTags',
  'UpdateSigningCertificate',
  'DeleteSigningCertificate',
  'UploadSigningCertificate',
  'ListSSHPublicKeys',
  'GetSSHPublicKey',
  'UpdateSSHPublicKey',
  'DeleteSSHPublicKey',
  'UploadSSHPublicKey',
  'ListServiceSpecificCredentials',
  'UpdateServiceSpecificCredential',
  'DeleteServiceSpecificCredential',
  'CreateServiceSpecificCredential',
  'ResetServiceSpecificCredential',
  'GetUser',
  'CreateUser',
  'DeleteUser',
  'TagUser',
]);
/** IAM operations without a resource type (Service Authorization Reference: resource `*`). */
const IAM_ANY_OPERATIONS = new Set([
  'ListUsers',
  'GetAccountSummary',
  'GenerateCredentialReport',
  'GetCredentialReport',
]);

/**
 * The IAM service prefix of the JSON 1.0/1.1 protocols' `X-Amz-Target` prefixes the code sends to
 * (`AmazonSQS.SendMessage`, `StarlingDoveService.PutEvaluations`): read from the target, not from
 * the signing name, so a request is named by what it asks for. AWS Config's target prefix is
 * `StarlingDoveService` (its service model's `targetPrefix`), and its actions `config:*`;
 * PutEvaluations has no resource type (Service Authorization Reference, AWS Config), so `*`.
 */
const JSON_TARGET_SERVICES: Readonly<Record<string, string>> = {
  AmazonSQS: 'sqs',
  StarlingDoveService: 'config',
};

/** The access key id a SigV4-signed request names (`Credential=<key>/<date>/…`), or `''`. */
export function accessKeyOf(headers: IncomingHttpHeaders): string {
  return /Credential=([^/,\s]+)\//.exec(headers.authorization ?? '')?.[1] ?? '';
}

/** The region and signing name of the SigV4 credential scope (`<key>/<date>/<region>/<service>/aws4_request`). */
function scopeOf(headers: IncomingHttpHeaders): { region: string; service: string } {
  const match = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
    headers.authorization ?? '',
  );
  return { region: match?.[1] ?? '', service: match?.[2] ?? '' };
}

/** Decodes one request as the SDK sends it (query, JSON 1.1, REST-JSON and REST-XML protocols). */
export function decodeRequest(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): DecodedRequest {
  const { region, service } = scopeOf(headers);
  const accessKeyId = accessKeyOf(headers);
  const base = { region, accessKeyId };
  const target = headers['x-amz-target'];
  if (typeof target === 'string') {
    const [prefix = '', operation = ''] = target.split('.');
    if (prefix.startsWith('AWSOrganizations')) {
      const input = parseJson(body);
      const parentId = typeof input.ParentId === 'string' ? input.ParentId : undefined;
      return {
        ...base,
        service: 'organizations',
        operation,
        action: `organizations:${operation}`,
        resource: parentId ? { kind: 'org-parent', parentId } : { kind: 'any' },
        params: parentId ? { ParentId: parentId } : {},
      };
    }
    const jsonService = JSON_TARGET_SERVICES[prefix] ?? (service || 'unknown');
    return {
      ...base,
      service: jsonService,
      operation,
      action: `${jsonService}:${operation}`,
      resource: { kind: 'any' },
      params: {},
    };
  }
  if (service === 's3') return { ...base, ...decodeS3(method, url, headers) };
  if (service === 'securityhub') return { ...base, ...decodeSecurityHub(method, url, body) };
  const form = new URLSearchParams(body.toString('utf8'));
  const operation = form.get('Action');
  if (operation === null) {
    return {
      ...base,
      service: service || 'none',
      operation: `${method} ${pathOf(url)}`,
      action: '',
      resource: { kind: 'none' },
      params: {},
    };
  }
  const querySevice = service || serviceOfVersion(form.get('Version'));
  const param = (name: string) => form.get(name) ?? undefined;
  const params: Record<string, string> = {};
  for (const name of [
    'UserName',
    'CertificateId',
    'SSHPublicKeyId',
    'ServiceSpecificCredentialId',
    'ServiceName',
    'AllUsers',
    'Status',
    'TopicArn',
    'TargetArn',
    'RoleArn',
    'RoleSessionName',
    'PathPrefix',
  ]) {
    const value = param(name);
    if (value !== undefined) params[name] = value;
  }
  return {
    ...base,
    service: querySevice,
    operation,
    action: `${querySevice}:${operation}`,
    resource: queryResource(querySevice, operation, params),
    params,
  };
}

function serviceOfVersion(version: string | null): string {
  if (version === '2010-05-08') return 'iam';
  if (version === '2011-06-15') return 'sts';
  if (version === '2010-03-31') return 'sns';
  return 'unknown';
}

function queryResource(
  service: string,
  operation: string,
  params: Readonly<Record<string, string>>,
): ResourceRef {
  if (service === 'iam') {
    if (IAM_ANY_OPERATIONS.has(operation)) return { kind: 'any' };
    if (IAM_USER_OPERATIONS.has(operation) && params.UserName !== undefined) {
      return { kind: 'iam-user', userName: params.UserName };
    }
  }
  if (service === 'sts') {
    if (operation === 'AssumeRole' && params.RoleArn) return { kind: 'arn', arn: params.RoleArn };
    if (operation === 'GetCallerIdentity') return { kind: 'any' };
  }
  if (service === 'sns') {
    const topic = params.TopicArn ?? params.TargetArn;
    if (topic) return { kind: 'arn', arn: topic };
  }
  return { kind: 'any' };
}

/** S3 over REST, path-style (custom endpoints): `/<bucket>[/<key>]`, the operation from method and query. */
function decodeS3(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
): Omit<DecodedRequest, 'region' | 'accessKeyId'> {
  const parsed = new URL(url, 'http://s3.local');
  const [, bucket = '', ...keyParts] = parsed.pathname.split('/');
  const key = decodeURIComponent(keyParts.join('/'));
  const query = parsed.searchParams;
  const bucketArn = `arn:aws:s3:::${decodeURIComponent(bucket)}`;
  const params: Record<string, string> = { Bucket: decodeURIComponent(bucket) };
  if (key) params.Key = key;
  const sse = headers['x-amz-server-side-encryption'];
  if (typeof sse === 'string') params.ServerSideEncryption = sse;
  const object = (operation: string, action: string) => ({
    service: 's3',
    operation,
    action,
    resource: { kind: 'arn', arn: `${bucketArn}/${key}` } as const,
    params,
  });
  const ofBucket = (operation: string, action: string) => ({
    service: 's3',
    operation,
    action,
    resource: { kind: 'arn', arn: bucketArn } as const,
    params,
  });
  if (key) {
    if (method === 'PUT' && query.has('uploadId')) return object('UploadPart', 's3:PutObject');
    if (method === 'PUT') return object('PutObject', 's3:PutObject');
    if (method === 'POST' && query.has('uploads'))
      return object('CreateMultipartUpload', 's3:PutObject');
    if (method === 'POST' && query.has('uploadId'))
      return object('CompleteMultipartUpload', 's3:PutObject');
    if (method === 'GET' && query.has('versionId'))
      return object('GetObject', 's3:GetObjectVersion');
    if (method === 'GET') return object('GetObject', 's3:GetObject');
    if (method === 'HEAD') return object('HeadObject', 's3:GetObject');
    if (method === 'DELETE' && query.has('uploadId'))
      return object('AbortMultipartUpload', 's3:AbortMultipartUpload');
    if (method === 'DELETE') return object('DeleteObject', 's3:DeleteObject');
  }
  if (method === 'GET' && query.get('list-type') === '2')
    return ofBucket('ListObjectsV2', 's3:ListBucket');
  if (method === 'GET' && query.has('versions'))
    return ofBucket('ListObjectVersions', 's3:ListBucketVersions');
  if (method === 'GET' && [...query.keys()].length === 0)
    return ofBucket('ListObjects', 's3:ListBucket');
  if (method === 'HEAD') return ofBucket('HeadBucket', 's3:ListBucket');
  if (method === 'PUT' && [...query.keys()].length === 0)
    return ofBucket('CreateBucket', 's3:CreateBucket');
  const operation = query.get('x-id') ?? `${method} ${parsed.pathname}`;
  return ofBucket(operation, `s3:${operation}`);
}

/** Security Hub over REST-JSON: the two operations the auditor calls, named by path. */
function decodeSecurityHub(
  method: string,
  url: string,
  body: Buffer,
): Omit<DecodedRequest, 'region' | 'accessKeyId'> {
  const path = pathOf(url);
  if (method === 'POST' && path === '/findings/import') {
    // The product the findings are imported into is their ProductArn (one per batch here).
    const findings = (parseJson(body).Findings ?? []) as { ProductArn?: unknown }[];
    const products = [...new Set(findings.map((f) => String(f.ProductArn)))];
    return {
      service: 'securityhub',
      operation: 'BatchImportFindings',
      action: 'securityhub:BatchImportFindings',
      resource:
        products.length === 1 ? { kind: 'arn', arn: products[0] as string } : { kind: 'any' },
      params: { findings: String(findings.length) },
    };
  }
  if (method === 'POST' && path === '/findings') {
    return {
      service: 'securityhub',
      operation: 'GetFindings',
      action: 'securityhub:GetFindings',
      resource: { kind: 'securityhub-hub' },
      params: {},
    };
  }
  if (method === 'PATCH' && path === '/findings/batchupdate') {
    return {
      service: 'securityhub',
      operation: 'BatchUpdateFindings',
      action: 'securityhub:BatchUpdateFindings',
      resource: { kind: 'securityhub-hub' },
      params: {},
    };
  }
  return {
    service: 'securityhub',
    operation: `${method} ${path}`,
    action: '',
    resource: { kind: 'any' },
    params: {},
  };
}

function pathOf(url: string): string {
  return new URL(url, 'http://local').pathname;
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** What an answer teaches about the names in later requests: users' ARNs, assumed-role keys. */
export interface Learned {
  /** `userName → ARN` of the users the answer lists (their paths are in the ARNs). */
  readonly users: readonly { readonly userName: string; readonly arn: string }[];
  /** An AssumeRole answer: the session's access key and the role it acts as. */
  readonly assumed?: {
    readonly accessKeyId: string;
    readonly roleArn: string;
    readonly arn: string;
  };
}

/**
 * Reads the names an answer hands the caller: ListUsers, GetUser and CreateUser name users with
 * their ARNs; GetCredentialReport's CSV has a `user,arn` pair a row; AssumeRole names the new
 * session's key. The code never names a user it was not handed by one of these.
 */
export function learnFromAnswer(request: DecodedRequest, status: number, body: string): Learned {
  if (status !== 200) return { users: [] };
  if (
    request.service === 'iam' &&
    ['ListUsers', 'GetUser', 'CreateUser'].includes(request.operation)
  ) {
    const users: { userName: string; arn: string }[] = [];
    // ListUsers holds <member> elements, GetUser and CreateUser one <User>: each names one user.
    for (const block of body.matchAll(/<(member|User)>([\s\S]*?)<\/\1>/g)) {
      const inner = block[2] ?? '';
      const userName = /<UserName>([^<]+)<\/UserName>/.exec(inner)?.[1];
      const arn = /<Arn>([^<]+)<\/Arn>/.exec(inner)?.[1];
      if (userName && arn) users.push({ userName: unescapeXml(userName), arn: unescapeXml(arn) });
    }
    return { users };
  }
  if (request.service === 'iam' && request.operation === 'GetCredentialReport') {
    const content = /<Content>([^<]*)<\/Content>/.exec(body)?.[1] ?? '';
    const users: { userName: string; arn: string }[] = [];
    for (const line of Buffer.from(content, 'base64').toString('utf8').split('\n').slice(1)) {
      // The ARN is the first field that starts with arn:, whatever quoting the name needed.
      const match = /^("(?:[^"]|"")*"|[^,]*),(arn:[^,]+),/.exec(line);
      if (!match?.[1] || !match[2]) continue;
      const name = match[1].startsWith('"')
        ? match[1].slice(1, -1).replaceAll('""', '"')
        : match[1];
      if (name !== '<root_account>') users.push({ userName: name, arn: match[2] });
    }
    return { users };
  }
  if (request.service === 'sts' && request.operation === 'AssumeRole') {
    const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(body)?.[1];
    const arn = /<AssumedRoleUser>[\s\S]*?<Arn>([^<]+)<\/Arn>/.exec(body)?.[1];
    const roleArn = request.resource.kind === 'arn' ? request.resource.arn : undefined;
    if (accessKeyId && arn && roleArn) return { users: [], assumed: { accessKeyId, roleArn, arn } };
  }
  return { users: [] };
}

function unescapeXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}
