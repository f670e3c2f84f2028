import {
  App,
  Aws,
  CfnParameter,
  DefaultStackSynthesizer,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { ConfigError } from '../lambda/core/errors';
import { IAM_EVENTS_REGION, REALTIME_EVENT_PATTERN } from './realtime-events';

/** Properties of {@link RealtimeForwarder}. */
export interface RealtimeForwarderProps {
  /** The ARN of the event bus IAM's events are sent to (another region's, or another account's). */
  readonly targetBusArn: string;
}

/**
 * Forwards IAM's events from us-east-1, the only region they reach (lib/realtime-events.ts), to
 * another bus: a rule with the real-time pattern on this region's default bus whose target is
 * that bus. A target bus in another region or account is sent to with a role that may
 * events:PutEvents on it, and on nothing else (EventBridge User Guide, "Sending and receiving
 * events between AWS Regions": a rule targeting a bus in another region or account takes an
 * execution role; https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html);
 * another account's bus must also allow it in its resource policy.
 */
export class RealtimeForwarder extends Construct {
  /** The rule on us-east-1's default bus. */
  public readonly rule: events.Rule;
  /** The role EventBridge sends with: events:PutEvents on the target bus only. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: RealtimeForwarderProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: 'Forwards IAM credential events to the signing-cert-audit real-time bus',
    });
    const target = events.EventBus.fromEventBusArn(this, 'TargetBus', props.targetBusArn);
    this.rule = new events.Rule(this, 'Rule', {
      description:
        'IAM calls that give, change or re-tag a user credential, forwarded to the real-time audit',
      eventPattern: REALTIME_EVENT_PATTERN,
      // targets.EventBus grants the role events:PutEvents on that bus alone (grantPutEventsTo).
      targets: [new targets.EventBus(target, { role: this.role })],
    });
  }
}

/** Properties of {@link RealtimeForwarderStack}. */
export interface RealtimeForwarderStackProps extends StackProps {
  /** The auditor stack's region, whose default bus receives the events: not us-east-1. */
  readonly auditorRegion: string;
}

/**
 * For a single-account auditor outside us-east-1 with realtime on: the forwarder, in us-east-1 of
 * the same account, to the default bus of the auditor's region, where the auditor's own rule
 * (the same pattern) takes the events as it would in us-east-1. Same account, so the target bus
 * needs no resource policy: the role's events:PutEvents is enough. The stack's env is us-east-1
 * whatever is given.
 */
export class RealtimeForwarderStack extends Stack {
  /** The forwarder. */
  public readonly forwarder: RealtimeForwarder;

  constructor(scope: Construct, id: string, props: RealtimeForwarderStackProps) {
    if (Token.isUnresolved(props.auditorRegion) || props.auditorRegion === IAM_EVENTS_REGION) {
      throw new ConfigError(
        `a real-time forwarder needs the auditor's region, by name and other than ${IAM_EVENTS_REGION} (where IAM's events already are): got ${Token.isUnresolved(props.auditorRegion) ? 'a region known only at deploy time' : props.auditorRegion}`,
      );
    }
    super(scope, id, {
      ...props,
      env: { ...(props.env ?? {}), region: IAM_EVENTS_REGION },
    });
    this.forwarder = new RealtimeForwarder(this, 'Forwarder', {
      targetBusArn: `arn:${Aws.PARTITION}:events:${props.auditorRegion}:${Aws.ACCOUNT_ID}:event-bus/default`,
    });
  }
}

/**
 * Each member account's forwarder, deployed by the organization's second StackSet in us-east-1
 * only: to the central bus, given as a parameter, whose resource policy admits the organization.
 * A template apart from the member role's: the role is created once per account in the
 * organization stack's region, the rule only in us-east-1, so neither StackSet needs a
 * region condition, and turning realtime off removes this StackSet and leaves the member roles
 * as they were.
 */
export class MemberRealtimeForwarderStack extends Stack {
  /** The forwarder. */
  public readonly forwarder: RealtimeForwarder;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, {
      ...props,
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    });
    const centralBusArn = new CfnParameter(this, 'CentralBusArn', {
      type: 'String',
      description: "The ARN of the central auditor's real-time event bus",
      allowedPattern: '^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]+$',
    });
    this.forwarder = new RealtimeForwarder(this, 'Forwarder', {
      targetBusArn: centralBusArn.valueAsString,
    });
  }
}

/**
 * The member forwarder template as JSON, synthesized in an app of its own with cdk-nag's checks
 * (which fail the synth on an unacknowledged finding), for the StackSet's TemplateBody.
 */
export function memberForwarderTemplateBody(): string {
  const app = new App();
  const stack = new MemberRealtimeForwarderStack(app, 'SigningCertAuditMemberRealtimeForwarder');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return JSON.stringify(app.synth().getStackByName(stack.stackName).template);
}

/**
 * Adds the forwarder a single-account auditor stack with realtime on needs: a
 * {@link RealtimeForwarderStack} in us-east-1 (as `id`, beside `stack` in `scope`) when the
 * stack's region is known and is not us-east-1; nothing when it is us-east-1 (IAM's events are
 * there) or unknown (an environment-agnostic stack: its region is decided at deploy time, so the
 * target bus cannot be named; deploy it in us-east-1, or add the forwarder yourself).
 */
export function forwardIamEvents(
  scope: Construct,
  stack: Stack,
  id = `${stack.stackName}RealtimeForwarder`,
): RealtimeForwarderStack | undefined {
  const region = stack.region;
  if (Token.isUnresolved(region) || region === IAM_EVENTS_REGION) return undefined;
  return new RealtimeForwarderStack(scope, id, {
    auditorRegion: region,
    ...(Token.isUnresolved(stack.account) ? {} : { env: { account: stack.account } }),
    description: `Forwards IAM credential events from ${IAM_EVENTS_REGION} to the signing-cert-audit real-time audit in ${region}`,
  });
}
