import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as config from 'aws-cdk-lib/aws-config';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/errors';
import { AuditorStack } from '../../lib/auditor-stack';
import { CONFIG_RULE_FREQUENCIES } from '../../lib/deploy-settings';
import { OrgAuditorStack } from '../../lib/org-auditor-stack';
import { servicePathsOf } from '../../lib/service-paths';
import { SigningCertAuditor } from '../../lib/signing-cert-auditor';
import { createApp, createOrgApp, errorOf, functionPermissions, onlyResource } from './helpers';

const ALL_USERS = 'arn:{AWS::Partition}:iam::{AWS::AccountId}:user/*';

function synth(context: Record<string, unknown> = {}) {
  const app = createApp(context);
  const stack = new AuditorStack(app, 'Test');
  return { stack, template: Template.fromStack(stack) };
}

/** The rule's function: its logical id and properties. */
const ruleFunction = (template: Template) =>
  onlyResource(template, 'AWS::Lambda::Function', 'ConfigRuleFunction');

describe('the AWS Config rule (configRule)', () => {
  it('is off by default: no rule, one function', () => {
    const { template, stack } = synth();

    template.resourceCountIs('AWS::Config::ConfigRule', 0);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    expect(stack.auditor.configRule).toBeUndefined();
  });

  it('is a periodic custom rule on its own function, daily by default, never on configuration changes', () => {
    const { template } = synth({ configRule: 'true' });

    const fn = ruleFunction(template);
    const rule = onlyResource(template, 'AWS::Config::ConfigRule');
    expect(rule.properties).toMatchObject({
      MaximumExecutionFrequency: 'TwentyFour_Hours',
      Source: {
        Owner: 'CUSTOM_LAMBDA',
        SourceIdentifier: { 'Fn::GetAtt': [fn.id, 'Arn'] },
        SourceDetails: [
          {
            EventSource: 'aws.config',
            MessageType: 'ScheduledNotification',
            MaximumExecutionFrequency: 'TwentyFour_Hours',
          },
        ],
      },
    });
    expect(rule.properties).not.toHaveProperty('InputParameters');
    template.resourceCountIs('AWS::Lambda::Function', 2);
  });

  it('takes its frequency from `-c configRuleFrequency`', () => {
    const { template } = synth({ configRule: true, configRuleFrequency: 'Six_Hours' });

    template.hasResourceProperties('AWS::Config::ConfigRule', {
      MaximumExecutionFrequency: 'Six_Hours',
    });
  });

  it('lets only Config, from this account, invoke the function, before the rule exists', () => {
    const { template } = synth({ configRule: true });

    const fn = ruleFunction(template);
    const permission = onlyResource(template, 'AWS::Lambda::Permission');
    expect(permission.properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fn.id, 'Arn'] },
      Principal: 'config.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
    // Config checks it may invoke the function when the rule is created.
    const [rule] = Object.values(template.findResources('AWS::Config::ConfigRule'));
    expect(rule?.DependsOn).toContain(permission.id);
  });

  it('runs the config-rule handler in report mode with a full scan, whatever the deployment’s mode and strategy', () => {
    const { template } = synth({
      configRule: true,
      mode: 'delete',
      scanStrategy: 'credential-report',
      fullScanSchedule: 'cron(0 5 ? * SUN *)',
      maxAgeDays: 30,
    });

    const fn = ruleFunction(template);
    expect(fn.properties).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Timeout: 900,
    });
    // The policy alone, exactly: no topic, no archive, no Security Hub region to deliver to.
    expect(fn.properties.Environment).toEqual({
      Variables: {
        MAX_AGE_DAYS: '30',
        MODE: 'report',
        DELETE_AFTER_DAYS: '30',
        WARN_BEFORE_DAYS: '14',
        USER_PATH_PREFIX: '/',
        EXEMPT_TAG_KEY: 'signing-cert-audit:exempt',
        MAX_OVERRIDE_DAYS: '365',
        MAX_ACTIONS_PER_RUN: '25',
        SCAN_CONCURRENCY: '8',
        SCAN_STRATEGY: 'full',
        CREDENTIAL_KINDS: 'signing-certificate,ssh-public-key,service-specific-credential',
        REMEDIATE_KINDS: 'signing-certificate',
        DELETE_SERVICE_CREDENTIALS: 'false',
        INCLUDE_COMPLIANT: 'false',
      },
    });
    // Not reserved: a rule's run changes nothing, so two never need to be kept apart.
    expect(fn.properties).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  it('may read IAM and deliver evaluations, nothing more: no write, no managed policy, in delete mode too', () => {
    const { template } = synth({ configRule: true, mode: 'delete', userPathPrefix: '/robots/' });

    // functionPermissions throws if the role has a managed policy (CustomRule would attach
    // AWSConfigRulesExecutionRole to a function it is given with its role).
    expect(functionPermissions(template, 'ConfigRuleFunction')).toEqual({
      'iam:ListUsers': ['*'],
      'iam:GetAccountSummary': ['*'],
      'iam:ListSigningCertificates': ['arn:{AWS::Partition}:iam::{AWS::AccountId}:user/robots/*'],
      'iam:ListUserTags': ['arn:{AWS::Partition}:iam::{AWS::AccountId}:user/robots/*'],
      // Every kind is read by default, under the path (service-specific credentials too: under
      // a path they are listed user by user); none is changed (the rule only reports).
      'iam:ListSSHPublicKeys': ['arn:{AWS::Partition}:iam::{AWS::AccountId}:user/robots/*'],
      'iam:GetSSHPublicKey': ['arn:{AWS::Partition}:iam::{AWS::AccountId}:user/robots/*'],
      'iam:ListServiceSpecificCredentials': [
        'arn:{AWS::Partition}:iam::{AWS::AccountId}:user/robots/*',
      ],
      'config:PutEvaluations': ['*'],
      'logs:CreateLogStream': ['{AWS::Logs::LogGroup.Arn}'],
      'logs:PutLogEvents': ['{AWS::Logs::LogGroup.Arn}'],
    });
  });

  it('leaves the audit function as it was', () => {
    const without = functionPermissions(synth().template);

    const withRule = functionPermissions(synth({ configRule: true }).template, 'AuditorFunction');

    expect(withRule).toEqual(without);
    expect(withRule['iam:ListUserTags']).toEqual([ALL_USERS]);
    expect(withRule).not.toHaveProperty('config:PutEvaluations');
  });

  it('declares the service path Config invokes it by, for the permissions proof', () => {
    const { stack } = synth({ configRule: true });

    const paths = servicePathsOf(stack)
      .map(({ path }) => path)
      .filter((path) => 'service' in path.principal)
      .filter((path) => JSON.stringify(path.principal).includes('config.amazonaws.com'));

    expect(paths).toHaveLength(1);
    expect(stack.resolve(paths[0])).toEqual({
      description: 'Config invokes the rule function',
      principal: { service: 'config.amazonaws.com' },
      action: 'lambda:InvokeFunction',
      resource: { 'Fn::GetAtt': [expect.stringMatching(/^AuditorConfigRuleFunction/), 'Arn'] },
      context: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    });
  });

  it('outputs the rule’s name and its function’s ARN', () => {
    const { template } = synth({ configRule: true });

    expect(Object.keys(template.findOutputs('*'))).toEqual(
      expect.arrayContaining(['ConfigRuleName', 'ConfigRuleFunctionArn']),
    );
    expect(Object.keys(synth().template.findOutputs('*'))).not.toContain('ConfigRuleName');
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a frequency Config does not have',
      { configRule: true, configRuleFrequency: 'Daily' },
      /^configRuleFrequency="Daily" is not allowed: expected how often Config runs the rule: One_Hour, Three_Hours, Six_Hours, Twelve_Hours, TwentyFour_Hours$/,
    ],
    [
      'a switch that is not a boolean',
      { configRule: 'yes' },
      /^configRule="yes" is not allowed: expected true or false$/,
    ],
  ])('refuses %s at synth, naming the key and what is allowed', (_, context, expected) => {
    const error = errorOf(() => synth(context));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(expected);
  });

  it('is the account deployment’s only: the organization deployment refuses it', () => {
    const error = errorOf(() => new OrgAuditorStack(createOrgApp({ configRule: true }), 'Org'));

    expect(error.message).toMatch(
      /^configRule \(read by deployment=account\) is not read by deployment=organization/,
    );
  });
});

describe('the conformance pack template of docs/deploy-account.md', () => {
  /** The page's one YAML block, parsed by PyYAML (the Python the emulator suites run has it). */
  function packTemplate(): {
    Parameters: Record<string, { Type: string }>;
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  } {
    const page = readFileSync(new URL('../../docs/deploy-account.md', import.meta.url), 'utf8');
    const blocks = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(blocks).toHaveLength(1);
    const parsed = spawnSync(
      process.env.MOTO_PYTHON ?? 'python3',
      ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'],
      { input: blocks[0], encoding: 'utf8' },
    );
    if (parsed.status !== 0) throw new Error(`the YAML does not parse: ${parsed.stderr}`);
    return JSON.parse(parsed.stdout);
  }

  it('deploys the rule the stack deploys, on the function ARN given as its parameter', () => {
    const pack = packTemplate();
    const stackRule = onlyResource(synth({ configRule: true }).template, 'AWS::Config::ConfigRule')
      .properties as { Source: { Owner: string; SourceDetails: unknown[] } };

    const rules = Object.values(pack.Resources);
    expect(rules.map((r) => r.Type)).toEqual(['AWS::Config::ConfigRule']);
    const rule = rules[0]?.Properties as {
      Source: { Owner: string; SourceIdentifier: { Ref: string }; SourceDetails: unknown[] };
      MaximumExecutionFrequency: string;
    };
    expect(rule.Source.Owner).toBe(stackRule.Source.Owner);
    expect(rule.Source.SourceDetails).toEqual(stackRule.Source.SourceDetails);
    expect(rule.MaximumExecutionFrequency).toBe('TwentyFour_Hours');
    // The function's ARN is the pack's parameter; the rule takes no InputParameters.
    expect(pack.Parameters[rule.Source.SourceIdentifier.Ref]).toMatchObject({ Type: 'String' });
    expect(rule).not.toHaveProperty('InputParameters');
  });
});

describe('SigningCertAuditor configRule prop', () => {
  const host = () => new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Host');

  it('creates the rule at the frequency given, and exposes its function and rule', () => {
    const stack = host();
    const auditor = new SigningCertAuditor(stack, 'Auditor', {
      configRule: { enabled: true, frequency: config.MaximumExecutionFrequency.ONE_HOUR },
    });

    expect(auditor.configRule?.rule).toBeInstanceOf(config.CustomRule);
    expect(auditor.configRule?.function.functionArn).toBeDefined();
    Template.fromStack(stack).hasResourceProperties('AWS::Config::ConfigRule', {
      MaximumExecutionFrequency: 'One_Hour',
    });
  });

  it('creates nothing when not enabled', () => {
    const stack = host();
    const auditor = new SigningCertAuditor(stack, 'Auditor', { configRule: { enabled: false } });

    expect(auditor.configRule).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::Config::ConfigRule', 0);
  });

  it('offers Config’s frequencies exactly (aws-cdk-lib’s MaximumExecutionFrequency)', () => {
    expect([...CONFIG_RULE_FREQUENCIES].sort()).toEqual(
      Object.values(config.MaximumExecutionFrequency).sort(),
    );
  });
});
