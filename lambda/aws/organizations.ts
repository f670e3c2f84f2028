import {
  type Account,
  OrganizationsClient,
  type OrganizationsClientConfig,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
} from '@aws-sdk/client-organizations';
import { HTTP_TIMEOUTS } from './http';

/** Builds the Organizations client: the timeouts of http.ts, standard sources otherwise. */
export function createOrganizationsClient(
  config: OrganizationsClientConfig = {},
): OrganizationsClient {
  return new OrganizationsClient({ requestHandler: HTTP_TIMEOUTS, ...config });
}

/** Which accounts of the organization to audit. */
export interface AccountSelection {
  /** Only the accounts under these OUs (or roots), at any depth; all accounts when empty. */
  readonly includeOus?: readonly string[];
  /** Never the accounts under these OUs, at any depth. */
  readonly excludeOus?: readonly string[];
  /** Only these accounts (after the OU filters); all when empty. */
  readonly includeAccounts?: readonly string[];
  /** Never these accounts. */
  readonly excludeAccounts?: readonly string[];
}

/** One account to audit. */
export interface OrgAccount {
  readonly accountId: string;
  readonly name: string;
}

/**
 * The organization's ACTIVE accounts that the selection keeps, through the SDK paginators:
 * ListAccounts, or ListAccountsForParent for every OU under the included ones (nested OUs too).
 * Suspended and closing accounts are left out: they cannot be audited.
 */
export async function listActiveAccounts(
  client: OrganizationsClient,
  selection: AccountSelection = {},
): Promise<OrgAccount[]> {
  const included = selection.includeOus?.length
    ? await accountsUnder(client, selection.includeOus)
    : await allAccounts(client);
  const excluded = new Set(
    selection.excludeOus?.length
      ? (await accountsUnder(client, selection.excludeOus)).map((a) => a.Id)
      : [],
  );
  const only = new Set(selection.includeAccounts ?? []);
  const never = new Set(selection.excludeAccounts ?? []);
  const seen = new Set<string>();
  const accounts: OrgAccount[] = [];
  for (const account of included) {
    const id = account.Id;
    if (!id || seen.has(id)) continue;
    seen.add(id);
    const status = account.State ?? account.Status;
    if (status !== 'ACTIVE') continue;
    if (excluded.has(id) || never.has(id) || (only.size > 0 && !only.has(id))) continue;
    accounts.push({ accountId: id, name: account.Name ?? id });
  }
  return accounts.sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
}

async function allAccounts(client: OrganizationsClient): Promise<Account[]> {
  const accounts: Account[] = [];
  for await (const page of paginateListAccounts({ client }, {}))
    accounts.push(...(page.Accounts ?? []));
  return accounts;
}

async function accountsUnder(
  client: OrganizationsClient,
  parents: readonly string[],
): Promise<Account[]> {
  const accounts: Account[] = [];
  const queue = [...parents];
  const visited = new Set<string>();
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    if (visited.has(parent)) continue;
    visited.add(parent);
    for await (const page of paginateListAccountsForParent({ client }, { ParentId: parent })) {
      accounts.push(...(page.Accounts ?? []));
    }
    for await (const page of paginateListOrganizationalUnitsForParent(
      { client },
      { ParentId: parent },
    )) {
      for (const unit of page.OrganizationalUnits ?? []) if (unit.Id) queue.push(unit.Id);
    }
  }
  return accounts;
}
