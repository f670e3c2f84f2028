import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/errors';
import { errorOf, functionPermissions, synthStack } from './helpers';

describe('Security Hub', () => {
  it('is off by default: no Security Hub permission, no region in the function', () => {
    const template = synthStack();

    const actions = Object.keys(functionPermissions(template));
    expect(actions.filter((action) => action.startsWith('securityhub:'))).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.not(Match.objectLike({ SECURITY_HUB_REGION: Match.anyValue() })),
      },
    });
  });

  it('when on, imports on the account’s own product and reads only the hub, in the stack’s region', () => {
    const template = synthStack({ securityHub: 'true' });

    const permissions = functionPermissions(template);
    expect(permissions['securityhub:BatchImportFindings']).toEqual([
      'arn:{AWS::Partition}:securityhub:{AWS::Region}:{AWS::AccountId}:product/{AWS::AccountId}/default',
    ]);
    expect(permissions['securityhub:GetFindings']).toEqual([
      'arn:{AWS::Partition}:securityhub:{AWS::Region}:{AWS::AccountId}:hub/default',
    ]);
    expect(Object.keys(permissions).filter((action) => action.startsWith('securityhub:'))).toEqual([
      'securityhub:BatchImportFindings',
      'securityhub:GetFindings',
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SECURITY_HUB_REGION: { Ref: 'AWS::Region' } }) },
    });
  });

  it('uses the home region it is given, for the grants and the function', () => {
    const template = synthStack({ securityHub: true, securityHubRegion: 'eu-central-1' });

    expect(functionPermissions(template)['securityhub:GetFindings']).toEqual([
      'arn:{AWS::Partition}:securityhub:eu-central-1:{AWS::AccountId}:hub/default',
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SECURITY_HUB_REGION: 'eu-central-1' }) },
    });
  });

  it.each([
    ['securityHub', 'yes'],
    ['securityHubRegion', 'mars-1'],
  ])('refuses %s=%j, naming it', (key, value) => {
    const error = errorOf(() => synthStack({ securityHub: 'true', [key]: value }));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(new RegExp(`^${key}=.* is not allowed`));
  });
});
