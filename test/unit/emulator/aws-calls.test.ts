import { describe, expect, it } from 'vitest';
import { decodeRequest, learnFromAnswer } from '../../../tools/emulator/aws-calls';

const signed = (service: string, region = 'us-east-1', key = 'ASCAKEY') => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${key}/20261201/${region}/${service}/aws4_request, SignedHeaders=host, Signature=x`,
});
const form = (params: Record<string, string>) =>
  Buffer.from(new URLSearchParams(params).toString());

describe('decodeRequest', () => {
  it('names an IAM user-scoped call by its user, and a listing by `*`', () => {
    const listing = decodeRequest(
      'POST',
      '/',
      signed('iam'),
      form({ Action: 'ListUsers', Version: '2010-05-08' }),
    );
    const scoped = decodeRequest(
      'POST',
      '/',
      signed('iam'),
      form({
        Action: 'UpdateSigningCertificate',
        Version: '2010-05-08',
        UserName: 'bob',
        CertificateId: 'C1',
        Status: 'Inactive',
      }),
    );

    expect(listing).toMatchObject({
      action: 'iam:ListUsers',
      resource: { kind: 'any' },
      accessKeyId: 'ASCAKEY',
    });
    expect(scoped).toMatchObject({
      action: 'iam:UpdateSigningCertificate',
      resource: { kind: 'iam-user', userName: 'bob' },
      params: { CertificateId: 'C1', Status: 'Inactive' },
    });
  });

  it('names the calls of every kind of user credential by their user, and an account-wide listing by `*`', () => {
    const iam = (params: Record<string, string>) =>
      decodeRequest('POST', '/', signed('iam'), form({ Version: '2010-05-08', ...params }));

    expect(
      iam({
        Action: 'UpdateSSHPublicKey',
        UserName: 'bob',
        SSHPublicKeyId: 'K1',
        Status: 'Inactive',
      }),
    ).toMatchObject({
      action: 'iam:UpdateSSHPublicKey',
      resource: { kind: 'iam-user', userName: 'bob' },
      params: { SSHPublicKeyId: 'K1' },
    });
    expect(
      iam({
        Action: 'DeleteServiceSpecificCredential',
        UserName: 'bob',
        ServiceSpecificCredentialId: 'S1',
      }),
    ).toMatchObject({ resource: { kind: 'iam-user', userName: 'bob' } });
    expect(iam({ Action: 'ListServiceSpecificCredentials', UserName: 'bob' })).toMatchObject({
      resource: { kind: 'iam-user', userName: 'bob' },
    });
    // Control: the account-wide listing names no user.
    expect(
      iam({
        Action: 'ListServiceSpecificCredentials',
        AllUsers: 'true',
        ServiceName: 'bedrock.amazonaws.com',
      }),
    ).toMatchObject({
      action: 'iam:ListServiceSpecificCredentials',
      resource: { kind: 'any' },
      params: { AllUsers: 'true', ServiceName: 'bedrock.amazonaws.com' },
    });
  });

  it('reads S3 path-style requests as the IAM actions that authorize them', () => {
    expect(
      decodeRequest(
        'PUT',
        '/evidence/reports/a%3D1/r.json?x-id=PutObject',
        signed('s3'),
        Buffer.alloc(0),
      ),
    ).toMatchObject({
      action: 's3:PutObject',
      resource: { kind: 'arn', arn: 'arn:aws:s3:::evidence/reports/a=1/r.json' },
    });
    expect(
      decodeRequest('GET', '/evidence?list-type=2&prefix=x', signed('s3'), Buffer.alloc(0)),
    ).toMatchObject({
      operation: 'ListObjectsV2',
      action: 's3:ListBucket',
      resource: { kind: 'arn', arn: 'arn:aws:s3:::evidence' },
    });
    expect(decodeRequest('HEAD', '/evidence/k', signed('s3'), Buffer.alloc(0))).toMatchObject({
      action: 's3:GetObject',
    });
  });

  it('reads Organizations, STS, SNS and Security Hub calls with their resources', () => {
    expect(
      decodeRequest(
        'POST',
        '/',
        {
          ...signed('organizations'),
          'x-amz-target': 'AWSOrganizationsV20161128.ListAccountsForParent',
        },
        Buffer.from(JSON.stringify({ ParentId: 'ou-ab12-abcdefgh' })),
      ),
    ).toMatchObject({
      action: 'organizations:ListAccountsForParent',
      resource: { kind: 'org-parent', parentId: 'ou-ab12-abcdefgh' },
    });
    expect(
      decodeRequest(
        'POST',
        '/',
        signed('sts'),
        form({
          Action: 'AssumeRole',
          Version: '2011-06-15',
          RoleArn: 'arn:aws:iam::111111111111:role/M',
        }),
      ),
    ).toMatchObject({
      action: 'sts:AssumeRole',
      resource: { kind: 'arn', arn: 'arn:aws:iam::111111111111:role/M' },
    });
    expect(
      decodeRequest(
        'POST',
        '/',
        signed('sns', 'eu-west-1'),
        form({ Action: 'Publish', Version: '2010-03-31', TopicArn: 'arn:aws:sns:eu-west-1:1:t' }),
      ),
    ).toMatchObject({
      action: 'sns:Publish',
      region: 'eu-west-1',
      resource: { kind: 'arn', arn: 'arn:aws:sns:eu-west-1:1:t' },
    });
    expect(
      decodeRequest(
        'POST',
        '/findings/import',
        signed('securityhub'),
        Buffer.from(
          JSON.stringify({
            Findings: [{ ProductArn: 'arn:aws:securityhub:us-east-1:1:product/1/default' }],
          }),
        ),
      ),
    ).toMatchObject({
      action: 'securityhub:BatchImportFindings',
      resource: { kind: 'arn', arn: 'arn:aws:securityhub:us-east-1:1:product/1/default' },
    });
  });

  it('reads AWS Config’s JSON 1.1 PutEvaluations as config:PutEvaluations on `*`, by its target', () => {
    const body = Buffer.from(JSON.stringify({ ResultToken: 't', Evaluations: [] }));
    const put = (signingName: string) =>
      decodeRequest(
        'POST',
        '/',
        { ...signed(signingName), 'x-amz-target': 'StarlingDoveService.PutEvaluations' },
        body,
      );

    expect(put('config')).toMatchObject({
      service: 'config',
      operation: 'PutEvaluations',
      action: 'config:PutEvaluations',
      resource: { kind: 'any' },
      params: {},
    });
    // The target decides, not the signing name: the same request signed otherwise reads the same.
    expect(put('other').action).toBe('config:PutEvaluations');
    // The control: an unknown target prefix falls back to the signing name.
    expect(
      decodeRequest(
        'POST',
        '/',
        { ...signed('other'), 'x-amz-target': 'Unknown.PutEvaluations' },
        body,
      ).action,
    ).toBe('other:PutEvaluations');
  });

  it('passes over the emulator’s own routes', () => {
    expect(decodeRequest('POST', '/moto-api/reset', {}, Buffer.alloc(0)).resource).toEqual({
      kind: 'none',
    });
  });
});

describe('learnFromAnswer', () => {
  it('learns the ARNs, paths included, of the users ListUsers and the credential report name', () => {
    const listUsers = decodeRequest(
      'POST',
      '/',
      signed('iam'),
      form({ Action: 'ListUsers', Version: '2010-05-08' }),
    );
    const report = decodeRequest(
      'POST',
      '/',
      signed('iam'),
      form({ Action: 'GetCredentialReport', Version: '2010-05-08' }),
    );
    const csv =
      'user,arn,x\n<root_account>,arn:aws:iam::1:root,a\n"a,b",arn:aws:iam::1:user/team/a,b,c\n';

    expect(
      learnFromAnswer(
        listUsers,
        200,
        '<ListUsersResult><Users><member><Path>/team/</Path><UserName>carol</UserName><Arn>arn:aws:iam::1:user/team/carol</Arn></member></Users></ListUsersResult>',
      ).users,
    ).toEqual([{ userName: 'carol', arn: 'arn:aws:iam::1:user/team/carol' }]);
    expect(
      learnFromAnswer(report, 200, `<Content>${Buffer.from(csv).toString('base64')}</Content>`)
        .users,
    ).toEqual([{ userName: 'a,b', arn: 'arn:aws:iam::1:user/team/a' }]);
    expect(learnFromAnswer(listUsers, 403, '<Arn>x</Arn>').users).toEqual([]);
  });
});
