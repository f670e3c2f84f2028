import {
  type Account,
  type AccountState,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { listActiveAccounts, selectActiveAccounts } from '../../../lambda/aws/organizations';

const orgMock = mockClient(OrganizationsClient);
const account = (id: string, state: AccountState = 'ACTIVE'): Account => ({
  Id: id,
  Name: `name-${id}`,
  State: state,
});

beforeEach(() => {
  orgMock.reset();
});

describe('selectActiveAccounts', () => {
  it('follows every page of ListAccounts and keeps only ACTIVE accounts, sorted', async () => {
    orgMock
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({
        Accounts: [account('333333333333'), account('222222222222', 'SUSPENDED')],
        NextToken: 'p2',
      })
      .on(ListAccountsCommand, { NextToken: 'p2' })
      .resolves({
        Accounts: [account('111111111111'), account('444444444444', 'PENDING_CLOSURE')],
      });

    const accounts = await listActiveAccounts(new OrganizationsClient({}));

    expect(accounts).toEqual([
      { accountId: '111111111111', name: 'name-111111111111' },
      { accountId: '333333333333', name: 'name-333333333333' },
    ]);
    expect(orgMock.commandCalls(ListAccountsCommand)).toHaveLength(2);
  });

  it('names each ACTIVE account the selection leaves out, with the setting that did', async () => {
    orgMock.on(ListAccountsCommand).resolves({
      Accounts: ['100000000001', '100000000002', '100000000003', '100000000004'].map((id) =>
        account(id),
      ),
    });
    // ou-sandbox holds 100000000002 directly and 100000000003 in a nested OU.
    orgMock
      .on(ListAccountsForParentCommand, { ParentId: 'ou-sandbox' })
      .resolves({ Accounts: [account('100000000002')] })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-sandbox-nested' })
      .resolves({ Accounts: [account('100000000003')] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-sandbox' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-sandbox-nested' }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-sandbox-nested' })
      .resolves({ OrganizationalUnits: [] });

    const { accounts, excluded } = await selectActiveAccounts(new OrganizationsClient({}), {
      excludeOus: ['ou-sandbox'],
      excludeAccounts: ['100000000004'],
    });

    expect(accounts.map((a) => a.accountId)).toEqual(['100000000001']);
    expect(excluded).toEqual([
      { accountId: '100000000002', name: 'name-100000000002', reason: 'excludeOus' },
      { accountId: '100000000003', name: 'name-100000000003', reason: 'excludeOus' },
      { accountId: '100000000004', name: 'name-100000000004', reason: 'excludeAccounts' },
    ]);
  });

  it('audits only includeAccounts, under includeOus, naming the listed accounts it skipped', async () => {
    orgMock
      .on(ListAccountsForParentCommand, { ParentId: 'ou-prod' })
      .resolves({ Accounts: [account('200000000001'), account('200000000002')] })
      .on(ListOrganizationalUnitsForParentCommand)
      .resolves({ OrganizationalUnits: [] });

    const { accounts, excluded } = await selectActiveAccounts(new OrganizationsClient({}), {
      includeOus: ['ou-prod'],
      includeAccounts: ['200000000002'],
    });

    expect(accounts.map((a) => a.accountId)).toEqual(['200000000002']);
    expect(excluded).toEqual([
      { accountId: '200000000001', name: 'name-200000000001', reason: 'includeAccounts' },
    ]);
    // Only the OU was listed, never the whole organization.
    expect(orgMock.commandCalls(ListAccountsCommand)).toHaveLength(0);
  });
});
