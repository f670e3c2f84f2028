import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { SINK_REGISTRY, type SinkEntry } from '../../lambda/sinks/registry';
import { AuditArchive } from '../../lib/auditor-archive';
import { grantSinks, SINK_GRANTS } from '../../lib/sink-grants';

function targets() {
  const stack = new Stack();
  return {
    stack,
    role: new iam.Role(stack, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    }),
    archive: new AuditArchive(stack, 'Archive', { retentionDays: 30 }),
    topic: new sns.Topic(stack, 'Topic'),
  };
}

describe('the sinks’ grants', () => {
  it('has a grant for every sink of the registry, and no other', () => {
    expect(Object.keys(SINK_GRANTS).sort()).toEqual(
      SINK_REGISTRY.map((entry) => entry.name).sort(),
    );
  });

  it('grants only the sinks the settings turn on', () => {
    const t = targets();

    grantSinks(t, { topicArn: t.topic.topicArn });

    const policy = JSON.stringify(
      t.stack.resolve((t.role.node.findChild('DefaultPolicy') as iam.Policy).document),
    );
    expect(policy).toContain('sns:Publish');
    expect(policy).not.toContain('s3:PutObject');
    expect(policy).not.toContain('securityhub:');
  });

  it('picks up a new sink of the registry with its grant, and refuses one without', () => {
    const t = targets();
    const granted: string[] = [];
    const entry: SinkEntry = {
      name: 'test-sink',
      flag: '--test-sink',
      enabled: () => true,
      load: async () => ({
        name: 'test-sink',
        deliver: async () => ({ status: 'skipped', detail: '' }),
      }),
    };

    grantSinks(t, {}, [entry], { 'test-sink': () => granted.push('test-sink') });

    expect(granted).toEqual(['test-sink']);
    expect(() => grantSinks(t, {}, [entry], {})).toThrow('the sink test-sink has no grant');
  });
});
