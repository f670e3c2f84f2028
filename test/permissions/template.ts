/**
 * A synthesized CloudFormation template with its intrinsics resolved to concrete values, and the
 * policies it deploys gathered per principal and per resource: what the permissions proof asks
 * the policy evaluator about.
 *
 * Names CloudFormation would generate (a role, topic or bucket without an explicit name) are
 * stood in for by the logical id; ARNs keep AWS's formats, so `Fn::Split`/`Fn::Select` over them
 * pick the same parts as on AWS.
 */

/** The pseudo parameters a template is resolved with. */
export interface Pseudo {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly stackName: string;
}

/** An IAM policy document, as the template writes it. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Statement[];
}

/** One statement of a policy document. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** An identity policy attached to a role: where it comes from and its document. */
export interface IdentityPolicy {
  /** The template resource that holds it (an AWS::IAM::Policy, or the role for inline ones). */
  readonly name: string;
  readonly document: PolicyDocument;
}

/** A resource of the template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Condition?: string;
}

/** A template whose intrinsics resolve to concrete values. */
export class ResolvedTemplate {
  readonly resources: Readonly<Record<string, TemplateResource>>;
  private readonly conditions: Readonly<Record<string, unknown>>;
  private readonly mappings: Readonly<Record<string, Record<string, Record<string, unknown>>>>;
  private readonly parameterValues: Readonly<Record<string, unknown>>;

  constructor(
    readonly template: Record<string, unknown>,
    readonly pseudo: Pseudo,
    parameters: Readonly<Record<string, string>> = {},
  ) {
    this.resources = (template.Resources ?? {}) as Record<string, TemplateResource>;
    this.conditions = (template.Conditions ?? {}) as Record<string, unknown>;
    this.mappings = (template.Mappings ?? {}) as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    const declared = (template.Parameters ?? {}) as Record<string, { Default?: unknown }>;
    const values: Record<string, unknown> = {};
    for (const [name, parameter] of Object.entries(declared)) {
      values[name] = parameters[name] ?? parameter.Default;
    }
    this.parameterValues = values;
  }

  /** The resources of one type: logical id and resource. */
  ofType(type: string): [string, TemplateResource][] {
    return Object.entries(this.resources).filter(
      ([id, resource]) => resource.Type === type && this.exists(id),
    );
  }

  /** Whether a resource is created (its Condition, if any, holds). */
  exists(logicalId: string): boolean {
    const condition = this.resources[logicalId]?.Condition;
    return condition === undefined || this.condition(condition);
  }

  /** A property of a resource, resolved. */
  property(logicalId: string, name: string): unknown {
    return this.resolve(this.resources[logicalId]?.Properties?.[name]);
  }

  /** Resolves every intrinsic in `value`, deeply. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [[key, argument]] = entries as [[string, unknown]];
      if (key === 'Ref') return this.ref(argument as string);
      if (key === 'Fn::GetAtt') {
        const [id, attribute] = Array.isArray(argument)
          ? (argument as [string, string])
          : ((argument as string).split(/\.(.*)/s) as [string, string]);
        return this.getAtt(id, this.resolve(attribute) as string);
      }
      if (key === 'Fn::Join') {
        const [separator, parts] = argument as [string, unknown];
        return (this.resolve(parts) as unknown[]).map(String).join(separator);
      }
      if (key === 'Fn::Sub') return this.sub(argument);
      if (key === 'Fn::Select') {
        const [index, list] = argument as [unknown, unknown];
        const items = this.resolve(list) as unknown[];
        const at = Number(this.resolve(index));
        if (!(at >= 0 && at < items.length)) throw new Error(`Fn::Select ${at} out of range`);
        return items[at];
      }
      if (key === 'Fn::Split') {
        const [separator, text] = argument as [string, unknown];
        return String(this.resolve(text)).split(separator);
      }
      if (key === 'Fn::If') {
        const [name, whenTrue, whenFalse] = argument as [string, unknown, unknown];
        return this.resolve(this.condition(name) ? whenTrue : whenFalse);
      }
      if (key === 'Fn::FindInMap') {
        const [map, top, second] = this.resolve(argument) as [string, string, string];
        const found = this.mappings[map]?.[top]?.[second];
        if (found === undefined) throw new Error(`Fn::FindInMap ${map}.${top}.${second} missing`);
        return found;
      }
      if (key === 'Fn::GetAZs')
        return ['a', 'b', 'c'].map((zone) => `${this.pseudo.region}${zone}`);
      if (key === 'Fn::Base64')
        return Buffer.from(String(this.resolve(argument))).toString('base64');
      if (key === 'Fn::Equals' || key === 'Fn::Not' || key === 'Fn::And' || key === 'Fn::Or') {
        return this.evaluateCondition(value);
      }
      if (key.startsWith('Fn::')) throw new Error(`unsupported intrinsic ${key}`);
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(item)]));
  }

  /** `Ref`: a pseudo parameter, a parameter's value or a resource's physical id. */
  ref(name: string): unknown {
    const { accountId, region, partition, stackName } = this.pseudo;
    switch (name) {
      case 'AWS::AccountId':
        return accountId;
      case 'AWS::Region':
        return region;
      case 'AWS::Partition':
        return partition;
      case 'AWS::StackName':
        return stackName;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackId':
        return `arn:${partition}:cloudformation:${region}:${accountId}:stack/${stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue':
        return undefined;
      case 'AWS::NotificationARNs':
        return [];
    }
    if (name in this.parameterValues) return this.parameterValues[name];
    const resource = this.resources[name];
    if (!resource) throw new Error(`Ref to unknown ${name}`);
    return this.physical(name, resource).ref;
  }

  /** `Fn::GetAtt` of a resource. */
  getAtt(logicalId: string, attribute: string): unknown {
    const resource = this.resources[logicalId];
    if (!resource) throw new Error(`Fn::GetAtt of unknown ${logicalId}`);
    const attributes = this.physical(logicalId, resource).attributes;
    if (attribute in attributes) return attributes[attribute];
    return `${logicalId}.${attribute}`;
  }

  /** A resource's physical id and attributes, in AWS's formats. */
  private physical(
    id: string,
    resource: TemplateResource,
  ): { ref: unknown; attributes: Record<string, unknown> } {
    const { accountId: account, region, partition } = this.pseudo;
    const named = (property: string, fallback = id) => {
      const value = resource.Properties?.[property];
      return value === undefined ? fallback : String(this.resolve(value));
    };
    switch (resource.Type) {
      case 'AWS::IAM::Role': {
        const name = named('RoleName');
        const path = named('Path', '/');
        return {
          ref: name,
          attributes: {
            Arn: `arn:${partition}:iam::${account}:role${path}${name}`,
            RoleId: `AROA${id}`,
          },
        };
      }
      case 'AWS::IAM::ManagedPolicy': {
        const arn = `arn:${partition}:iam::${account}:policy/${named('ManagedPolicyName')}`;
        return { ref: arn, attributes: { PolicyArn: arn } };
      }
      case 'AWS::SNS::Topic': {
        const name = named('TopicName');
        const arn = `arn:${partition}:sns:${region}:${account}:${name}`;
        return { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
      }
      case 'AWS::SQS::Queue': {
        const name = named('QueueName');
        return {
          ref: `https://sqs.${region}.amazonaws.com/${account}/${name}`,
          attributes: {
            Arn: `arn:${partition}:sqs:${region}:${account}:${name}`,
            QueueName: name,
            QueueUrl: `https://sqs.${region}.amazonaws.com/${account}/${name}`,
          },
        };
      }
      case 'AWS::KMS::Key': {
        const keyId = `key-${id.toLowerCase()}`;
        return {
          ref: keyId,
          attributes: {
            Arn: `arn:${partition}:kms:${region}:${account}:key/${keyId}`,
            KeyId: keyId,
          },
        };
      }
      case 'AWS::S3::Bucket': {
        const name = named('BucketName', id.toLowerCase());
        return {
          ref: name,
          attributes: {
            Arn: `arn:${partition}:s3:::${name}`,
            DomainName: `${name}.s3.amazonaws.com`,
            RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
          },
        };
      }
      case 'AWS::Lambda::Function': {
        const name = named('FunctionName');
        return {
          ref: name,
          attributes: { Arn: `arn:${partition}:lambda:${region}:${account}:function:${name}` },
        };
      }
      case 'AWS::StepFunctions::StateMachine': {
        const name = named('StateMachineName');
        const arn = `arn:${partition}:states:${region}:${account}:stateMachine:${name}`;
        return { ref: arn, attributes: { Arn: arn, Name: name } };
      }
      case 'AWS::Logs::LogGroup': {
        const name = named('LogGroupName');
        return {
          ref: name,
          attributes: { Arn: `arn:${partition}:logs:${region}:${account}:log-group:${name}:*` },
        };
      }
      case 'AWS::CloudWatch::Alarm': {
        const name = named('AlarmName');
        return {
          ref: name,
          attributes: { Arn: `arn:${partition}:cloudwatch:${region}:${account}:alarm:${name}` },
        };
      }
      case 'AWS::Scheduler::Schedule': {
        const name = named('Name');
        const group = named('GroupName', 'default');
        return {
          ref: name,
          attributes: {
            Arn: `arn:${partition}:scheduler:${region}:${account}:schedule/${group}/${name}`,
          },
        };
      }
      case 'AWS::Events::Rule': {
        const name = named('Name');
        // A rule on a custom bus has the bus in its ARN (EventBridge's ARN format).
        const bus = named('EventBusName', 'default');
        const path = bus === 'default' ? name : `${bus}/${name}`;
        return {
          ref: name,
          attributes: { Arn: `arn:${partition}:events:${region}:${account}:rule/${path}` },
        };
      }
      case 'AWS::Events::EventBus': {
        const name = named('Name');
        const arn = `arn:${partition}:events:${region}:${account}:event-bus/${name}`;
        return { ref: name, attributes: { Arn: arn, Name: name } };
      }
      case 'AWS::Glue::Database': {
        const input = this.resolve(resource.Properties?.DatabaseInput) as
          | { Name?: string }
          | undefined;
        return { ref: input?.Name ?? id, attributes: {} };
      }
      case 'AWS::CloudFormation::StackSet':
        return {
          ref: `${named('StackSetName')}:00000000-0000-0000-0000-000000000000`,
          attributes: {},
        };
      default:
        return { ref: id, attributes: {} };
    }
  }

  private sub(argument: unknown): string {
    const [text, variables = {}] = (typeof argument === 'string' ? [argument, {}] : argument) as [
      string,
      Record<string, unknown>,
    ];
    return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in variables) return String(this.resolve(variables[name]));
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const [id, attribute] = name.split(/\.(.*)/s) as [string, string];
        return String(this.getAtt(id, attribute));
      }
      const value = this.ref(name);
      if (value === undefined) throw new Error(`Fn::Sub cannot resolve ${whole}`);
      return String(value);
    });
  }

  private condition(name: string): boolean {
    const definition = this.conditions[name];
    if (definition === undefined) throw new Error(`unknown condition ${name}`);
    return this.evaluateCondition(definition);
  }

  private evaluateCondition(definition: unknown): boolean {
    const [[key, argument]] = Object.entries(definition as Record<string, unknown>) as [
      [string, unknown],
    ];
    if (key === 'Condition') return this.condition(argument as string);
    const items = argument as unknown[];
    if (key === 'Fn::Equals') {
      return JSON.stringify(this.resolve(items[0])) === JSON.stringify(this.resolve(items[1]));
    }
    if (key === 'Fn::Not') return !this.evaluateCondition(items[0]);
    if (key === 'Fn::And') return items.every((item) => this.evaluateCondition(item));
    if (key === 'Fn::Or') return items.some((item) => this.evaluateCondition(item));
    throw new Error(`unsupported condition ${key}`);
  }
}

/** The policies a template deploys: identity policies per role, resource and trust policies per ARN. */
export interface DeployedPolicies {
  /** Role ARN → the identity policies attached to it. */
  readonly identity: ReadonlyMap<string, readonly IdentityPolicy[]>;
  /** Role ARN → its trust policy. */
  readonly trust: ReadonlyMap<string, PolicyDocument>;
  /** Resource ARN (topic, bucket, queue, key, function) → its resource policy. */
  readonly resource: ReadonlyMap<string, PolicyDocument>;
  /** Role ARN → the AWS managed policies attached, which this proof cannot read. */
  readonly managed: ReadonlyMap<string, readonly string[]>;
}

/** Gathers every policy the template deploys, resolved. */
export function gatherPolicies(template: ResolvedTemplate): DeployedPolicies {
  const identity = new Map<string, IdentityPolicy[]>();
  const trust = new Map<string, PolicyDocument>();
  const resource = new Map<string, PolicyDocument>();
  const managed = new Map<string, string[]>();
  const roleArn = (roleName: string) =>
    template.ofType('AWS::IAM::Role').find(([id]) => template.ref(id) === roleName)?.[0];
  const attach = (roleRefs: unknown, policy: IdentityPolicy) => {
    for (const name of (roleRefs ?? []) as string[]) {
      const id = roleArn(name);
      if (!id) throw new Error(`${policy.name} is attached to a role not in the template: ${name}`);
      const arn = template.getAtt(id, 'Arn') as string;
      identity.set(arn, [...(identity.get(arn) ?? []), policy]);
    }
  };

  for (const [id] of template.ofType('AWS::IAM::Role')) {
    const arn = template.getAtt(id, 'Arn') as string;
    trust.set(arn, template.property(id, 'AssumeRolePolicyDocument') as PolicyDocument);
    identity.set(arn, identity.get(arn) ?? []);
    const inline = (template.property(id, 'Policies') ?? []) as {
      PolicyName: string;
      PolicyDocument: PolicyDocument;
    }[];
    for (const policy of inline) {
      identity
        .get(arn)
        ?.push({ name: `${id}/${policy.PolicyName}`, document: policy.PolicyDocument });
    }
    const arns = (template.property(id, 'ManagedPolicyArns') ?? []) as string[];
    if (arns.length > 0) managed.set(arn, arns);
  }
  for (const [id] of template.ofType('AWS::IAM::Policy')) {
    attach(template.property(id, 'Roles'), {
      name: id,
      document: template.property(id, 'PolicyDocument') as PolicyDocument,
    });
  }
  for (const [id] of template.ofType('AWS::IAM::ManagedPolicy')) {
    attach(template.property(id, 'Roles'), {
      name: id,
      document: template.property(id, 'PolicyDocument') as PolicyDocument,
    });
  }
  const addResourcePolicy = (arn: string, document: PolicyDocument) => {
    const existing = resource.get(arn);
    resource.set(
      arn,
      existing
        ? { Version: '2012-10-17', Statement: [...existing.Statement, ...document.Statement] }
        : document,
    );
  };
  for (const [id] of template.ofType('AWS::SNS::TopicPolicy')) {
    for (const topic of template.property(id, 'Topics') as string[]) {
      addResourcePolicy(topic, template.property(id, 'PolicyDocument') as PolicyDocument);
    }
  }
  for (const [id] of template.ofType('AWS::S3::BucketPolicy')) {
    const bucket = template.property(id, 'Bucket') as string;
    addResourcePolicy(
      `arn:${template.pseudo.partition}:s3:::${bucket}`,
      template.property(id, 'PolicyDocument') as PolicyDocument,
    );
  }
  for (const [id] of template.ofType('AWS::SQS::QueuePolicy')) {
    for (const url of template.property(id, 'Queues') as string[]) {
      const queue = template
        .ofType('AWS::SQS::Queue')
        .find(([queueId]) => template.ref(queueId) === url)?.[0];
      if (!queue) throw new Error(`${id} names a queue not in the template: ${url}`);
      addResourcePolicy(
        template.getAtt(queue, 'Arn') as string,
        template.property(id, 'PolicyDocument') as PolicyDocument,
      );
    }
  }
  for (const [id] of template.ofType('AWS::KMS::Key')) {
    addResourcePolicy(
      template.getAtt(id, 'Arn') as string,
      template.property(id, 'KeyPolicy') as PolicyDocument,
    );
  }
  for (const [id] of template.ofType('AWS::Lambda::Permission')) {
    const fn = template.property(id, 'FunctionName') as string;
    const arn = fn.startsWith('arn:')
      ? fn
      : `arn:${template.pseudo.partition}:lambda:${template.pseudo.region}:${template.pseudo.accountId}:function:${fn}`;
    const principal = template.property(id, 'Principal') as string;
    const sourceArn = template.property(id, 'SourceArn') as string | undefined;
    const sourceAccount = template.property(id, 'SourceAccount') as string | undefined;
    addResourcePolicy(arn, {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: id,
          Effect: 'Allow',
          Principal: principal.includes('.') ? { Service: principal } : { AWS: principal },
          Action: template.property(id, 'Action') as string,
          Resource: arn,
          ...(sourceArn || sourceAccount
            ? {
                Condition: {
                  ...(sourceArn ? { ArnLike: { 'AWS:SourceArn': sourceArn } } : {}),
                  ...(sourceAccount
                    ? { StringEquals: { 'AWS:SourceAccount': sourceAccount } }
                    : {}),
                },
              }
            : {}),
        },
      ],
    });
  }
  return { identity, trust, resource, managed };
}

/** The resource policy that governs `arn`: the bucket's for an object, the function's for a version. */
export function resourcePolicyOf(
  policies: DeployedPolicies,
  arn: string,
): PolicyDocument | undefined {
  const direct = policies.resource.get(arn);
  if (direct) return direct;
  const bucket = /^(arn:[^:]+:s3:::[^/]+)\//.exec(arn)?.[1];
  if (bucket) return policies.resource.get(bucket);
  const fn = /^(arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+):/.exec(arn)?.[1];
  if (fn) return policies.resource.get(fn);
  return undefined;
}
