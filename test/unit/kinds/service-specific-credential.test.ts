import {
  DeleteServiceSpecificCredentialCommand,
  IAMClient,
  ListServiceSpecificCredentialsCommand,
  type ListServiceSpecificCredentialsCommandInput,
  NoSuchEntityException,
  ServiceFailureException,
  ServiceNotSupportedException,
  type ServiceSpecificCredentialMetadata,
  UpdateServiceSpecificCredentialCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  listServiceSpecificCredentials,
  paginateListServiceSpecificCredentials,
  SERVICE_CREDENTIALS_PAGE_SIZE,
} from '../../../lambda/aws/service-credentials';
import { CREDENTIAL_SERVICES } from '../../../lambda/core/credential-services';
import { KIND_INDEX, kindOf } from '../../../lambda/kinds';
import { serviceSpecificCredentials as kind } from '../../../lambda/kinds/service-specific-credential';
import { daysAgo } from '../fixtures';

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });

/** A credential as ListServiceSpecificCredentials lists it (metadata, never a secret). */
const listed = (
  userName: string,
  id: string,
  serviceName: string,
  extra: Partial<ServiceSpecificCredentialMetadata> = {},
): ServiceSpecificCredentialMetadata => ({
  UserName: userName,
  ServiceSpecificCredentialId: id,
  ServiceName: serviceName,
  Status: 'Active',
  CreateDate: daysAgo(100),
  ...extra,
});

/**
 * Serves ListServiceSpecificCredentials from `credentials` as IAM pages it: by UserName, or with
 * AllUsers by ServiceName (every service without one), `pageSize` a page, with an opaque Marker.
 * Returns each request as sent (the paginator reuses one input object).
 */
function givenCredentials(
  credentials: readonly ServiceSpecificCredentialMetadata[],
  pageSize = 1000,
) {
  const requests: ListServiceSpecificCredentialsCommandInput[] = [];
  iamMock.on(ListServiceSpecificCredentialsCommand).callsFake((input) => {
    requests.push({ ...input });
    const matching = credentials.filter((c) =>
      input.AllUsers
        ? input.ServiceName === undefined || c.ServiceName === input.ServiceName
        : c.UserName === input.UserName,
    );
    const start = input.Marker === undefined ? 0 : Number(input.Marker.replace('page-', ''));
    const end = start + Math.min(pageSize, input.MaxItems ?? 100);
    const truncated = end < matching.length;
    return {
      ServiceSpecificCredentials: matching.slice(start, end),
      IsTruncated: truncated,
      ...(truncated ? { Marker: `page-${end}` } : {}),
    };
  });
  return requests;
}

beforeEach(() => {
  iamMock.reset();
});

describe('paginateListServiceSpecificCredentials', () => {
  it('follows Marker over every page, asking for pages of MaxItems', async () => {
    // Prepare: 2,500 keys, pages of 1,000.
    const many = Array.from({ length: 2500 }, (_, i) =>
      listed(`user${i}`, `ACCA${String(i).padStart(17, '0')}`, 'bedrock.amazonaws.com'),
    );
    const requests = givenCredentials(many);

    // Act
    const pages = [];
    for await (const page of paginateListServiceSpecificCredentials(
      { client: iam, pageSize: 1000 },
      { AllUsers: true, ServiceName: 'bedrock.amazonaws.com' },
    )) {
      pages.push(page.ServiceSpecificCredentials?.length);
    }

    // Assess
    expect(pages).toEqual([1000, 1000, 500]);
    expect(requests).toEqual([
      { AllUsers: true, ServiceName: 'bedrock.amazonaws.com', MaxItems: 1000, Marker: undefined },
      { AllUsers: true, ServiceName: 'bedrock.amazonaws.com', MaxItems: 1000, Marker: 'page-1000' },
      { AllUsers: true, ServiceName: 'bedrock.amazonaws.com', MaxItems: 1000, Marker: 'page-2000' },
    ]);
  });

  it('follows a page shorter than MaxItems that is still truncated, and stops without a Marker', async () => {
    const requests = givenCredentials(
      [
        listed('alice', 'ACCAALICE000000000001', 'codecommit.amazonaws.com'),
        listed('alice', 'ACCAALICE000000000002', 'cassandra.amazonaws.com'),
        listed('alice', 'ACCAALICE000000000003', 'bedrock.amazonaws.com'),
      ],
      1,
    );

    const found = await listServiceSpecificCredentials(iam, { userName: 'alice' });

    expect(found.map((c) => c.credentialId)).toEqual([
      'ACCAALICE000000000001',
      'ACCAALICE000000000002',
      'ACCAALICE000000000003',
    ]);
    expect(requests.map((r) => r.Marker)).toEqual([undefined, 'page-1', 'page-2']);
    expect(requests.every((r) => r.MaxItems === SERVICE_CREDENTIALS_PAGE_SIZE)).toBe(true);
  });
});

describe('listServiceSpecificCredentials', () => {
  it('reads one user’s credentials of every service by UserName, never with AllUsers', async () => {
    const requests = givenCredentials([
      listed('alice', 'ACCAALICE000000000001', 'codecommit.amazonaws.com'),
      listed('bob', 'ACCABOB00000000000001', 'codecommit.amazonaws.com'),
    ]);

    const found = await listServiceSpecificCredentials(iam, { userName: 'alice' });

    expect(found).toEqual([
      {
        userName: 'alice',
        credentialId: 'ACCAALICE000000000001',
        serviceName: 'codecommit.amazonaws.com',
        status: 'Active',
        createDate: daysAgo(100),
        expirationDate: undefined,
      },
    ]);
    expect(requests).toEqual([{ UserName: 'alice', MaxItems: 1000, Marker: undefined }]);
  });
});

describe('the service-specific credential kind', () => {
  it('is a row of the kind index: account-wide, restorable only by reactivation, two a service a user', () => {
    expect(KIND_INDEX).toContain(kind);
    expect(kindOf('service-specific-credential')).toBe(kind);
    expect(kind).toMatchObject({
      listing: 'account-wide',
      restore: 'reactivate-only',
      perUserLimit: 2,
      actions: {
        read: ['iam:ListServiceSpecificCredentials'],
        deactivate: ['iam:UpdateServiceSpecificCredential'],
        delete: ['iam:DeleteServiceSpecificCredential'],
        restore: ['iam:UpdateServiceSpecificCredential'],
      },
    });
    // Nothing to upload: IAM never returns the secret again.
    expect(kind.upload).toBeUndefined();
  });

  it('lists the account with AllUsers for each known service, then once for any other', async () => {
    const requests = givenCredentials([
      listed('scanner', 'ACCASCANNER0000000001', 'bedrock.amazonaws.com'),
      listed('alice', 'ACCAALICE000000000001', 'codecommit.amazonaws.com'),
      listed('carol', 'ACCACAROL000000000001', 'newservice.amazonaws.com'),
    ]);

    const found = await kind.listAccount?.(iam);

    expect(requests).toEqual([
      ...Object.keys(CREDENTIAL_SERVICES).map((ServiceName) => ({
        AllUsers: true,
        ServiceName,
        MaxItems: 1000,
        Marker: undefined,
      })),
      { AllUsers: true, MaxItems: 1000, Marker: undefined },
    ]);
    // Each once, the unknown service's too.
    expect(found?.map((c) => [c.userName, c.credentialId]).sort()).toEqual([
      ['alice', 'ACCAALICE000000000001'],
      ['carol', 'ACCACAROL000000000001'],
      ['scanner', 'ACCASCANNER0000000001'],
    ]);
  });

  it('holds each credential with no body, its service and its expiry (null when it never expires)', async () => {
    givenCredentials([
      listed('scanner', 'ACCASCANNER0000000001', 'bedrock.amazonaws.com'),
      listed('trent', 'ACCATRENT000000000001', 'bedrock.amazonaws.com', {
        ExpirationDate: daysAgo(-20),
        ServiceCredentialAlias: 'trent-at-123456789012',
      }),
    ]);

    const found = await kind.listAccount?.(iam);

    expect(found).toEqual([
      {
        type: 'service-specific-credential',
        userName: 'scanner',
        credentialId: 'ACCASCANNER0000000001',
        status: 'Active',
        uploadDate: daysAgo(100),
        serviceName: 'bedrock.amazonaws.com',
        expiresAt: null,
        body: '',
      },
      expect.objectContaining({ credentialId: 'ACCATRENT000000000001', expiresAt: daysAgo(-20) }),
    ]);
  });

  it('takes a known service IAM does not serve here as holding none, and any other failure as a failure', async () => {
    iamMock
      .on(ListServiceSpecificCredentialsCommand)
      .resolves({ ServiceSpecificCredentials: [], IsTruncated: false })
      .on(ListServiceSpecificCredentialsCommand, { ServiceName: 'cloudwatch.amazonaws.com' })
      .rejects(new ServiceNotSupportedException({ message: 'not supported', $metadata: {} }))
      .on(ListServiceSpecificCredentialsCommand, {
        ServiceName: 'aws-external-anthropic.amazonaws.com',
      })
      .rejects(
        new NoSuchEntityException({
          message:
            'No such service aws-external-anthropic.amazonaws.com is supported for Service Specific Credentials',
          $metadata: {},
        }),
      );

    await expect(kind.listAccount?.(iam)).resolves.toEqual([]);

    iamMock
      .on(ListServiceSpecificCredentialsCommand, { ServiceName: 'logs.amazonaws.com' })
      .rejects(new ServiceFailureException({ message: 'boom', $metadata: {} }));
    await expect(kind.listAccount?.(iam)).rejects.toThrow('boom');
  });

  it('switches one credential by id, naming its user, and deletes one by id', async () => {
    iamMock.on(UpdateServiceSpecificCredentialCommand).resolves({});
    iamMock.on(DeleteServiceSpecificCredentialCommand).resolves({});

    await kind.setStatus(iam, 'scanner', 'ACCASCANNER0000000001', 'Inactive');
    await kind.remove(iam, 'scanner', 'ACCASCANNER0000000001');

    expect(iamMock).toHaveReceivedCommandWith(UpdateServiceSpecificCredentialCommand, {
      UserName: 'scanner',
      ServiceSpecificCredentialId: 'ACCASCANNER0000000001',
      Status: 'Inactive',
    });
    expect(iamMock).toHaveReceivedCommandWith(DeleteServiceSpecificCredentialCommand, {
      UserName: 'scanner',
      ServiceSpecificCredentialId: 'ACCASCANNER0000000001',
    });
  });
});
