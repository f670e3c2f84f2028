import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AssumeRoleError, assumeMemberRole, MEMBER_SESSION_SECONDS } from '../../../lambda/aws/sts';

const stsMock = mockClient(STSClient);
const ROLE = {
  accountId: '111111111111',
  roleName: 'SigningCertAuditMember',
  partition: 'aws',
  sessionName: 'signing-cert-audit-run-1',
};

beforeEach(() => {
  stsMock.reset();
});

describe('assumeMemberRole', () => {
  it("assumes the account's role by name, in the partition, for an hour, and returns its credentials", async () => {
    const expiration = new Date('2026-12-01T23:00:00Z');
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAEXAMPLE',
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: expiration,
      },
    });

    const credentials = await assumeMemberRole(new STSClient({}), {
      ...ROLE,
      partition: 'aws-us-gov',
    });

    expect(credentials).toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration,
    });
    expect(stsMock.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: 'arn:aws-us-gov:iam::111111111111:role/SigningCertAuditMember',
      RoleSessionName: 'signing-cert-audit-run-1',
      DurationSeconds: MEMBER_SESSION_SECONDS,
    });
  });

  it('makes any session name one STS accepts: allowed characters, at most 64', async () => {
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'A',
        SecretAccessKey: 'S',
        SessionToken: 'T',
        Expiration: new Date(),
      },
    });

    await assumeMemberRole(new STSClient({}), {
      ...ROLE,
      sessionName: `signing-cert-audit-${'x'.repeat(40)}:exec/éte with spaces`,
    });

    const name = stsMock.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleSessionName ?? '';
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(name).toHaveLength(64);
  });

  it('names the role and the cause when refused, and says where the role is usually missing', async () => {
    stsMock.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: {},
        message: 'User is not authorized to perform: sts:AssumeRole',
      }),
    );

    const refusal = assumeMemberRole(new STSClient({}), ROLE);

    await expect(refusal).rejects.toBeInstanceOf(AssumeRoleError);
    await expect(refusal).rejects.toThrow(
      'AssumeRole arn:aws:iam::111111111111:role/SigningCertAuditMember failed (AccessDenied: User is not authorized to perform: sts:AssumeRole); is the member role deployed in that account',
    );
  });

  it('does not guess a cause for other errors', async () => {
    stsMock.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: 'RegionDisabledException',
        $fault: 'client',
        $metadata: {},
        message: 'STS is not activated in this region',
      }),
    );

    const refusal = assumeMemberRole(new STSClient({}), ROLE);

    await expect(refusal).rejects.toThrow(
      /failed \(RegionDisabled: STS is not activated in this region\)$/,
    );
  });

  it('refuses an answer without credentials', async () => {
    stsMock.on(AssumeRoleCommand).resolves({});

    await expect(assumeMemberRole(new STSClient({}), ROLE)).rejects.toThrow(
      'failed (Error: AssumeRole returned no credentials)',
    );
  });
});
