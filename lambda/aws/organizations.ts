import {
  type Account,
  OrganizationsClient,
  type OrganizationsClientConfig,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
} from '@aws-sdk/client-organizations';
import type { ExcludedAccount } from '../core/org-report';
import { CLIENT_DEFAULTS } from './http';

/** Builds the Organizations client: the timeouts of http.ts, standard sources otherwise. */
export function createOrganizationsClient(
  config: OrganizationsClientConfig = {},
): OrganizationsClient {
  return new OrganizationsClient({ ...CLIENT_DEFAULTS, ...config });
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
  return (await selectActiveAccounts(client, selection)).accounts;
}

/**
 * {@link listActiveAccounts}, and the ACTIVE accounts it listed but the selection left out, each
 * with the setting that did (accounts outside `includeOus` are never listed, so not named).
 */
export async function selectActiveAccounts(
  client: OrganizationsClient,
  selection: AccountSelection = {},
): Promise<{ accounts: OrgAccount[]; excluded: ExcludedAccount[] }> {
  const included = selection.includeOus?.length
    ? await accountsUnder(client, selection.includeOus)
    : await allAccounts(client);
  const underExcludedOu = new Set(
    selection.excludeOus?.length
      ? (await accountsUnder(client, selection.excludeOus)).map((a) => a.Id)
      : [],
  );
  const only = new Set(selection.includeAccounts ?? []);
  const never = new Set(selection.excludeAccounts ?? []);
  const seen = new Set<string>();
  const accounts: OrgAccount[] = [];
  const excluded: ExcludedAccount[] = [];
  for (const account of included) {
    const id = account.Id;
    if (!id || seen.has(id)) continue;
    seen.add(id);
    const status = account.State ?? account.Status;
    if (status !== 'ACTIVE') continue;
    const name = account.Name ?? id;
    const reason = never.has(id)
      ? 'excludeAccounts'
      : underExcludedOu.has(id)
        ? 'excludeOus'
        : only.size > 0 && !only.has(id)
          ? 'includeAccounts'
          : undefined;
    if (reason) excluded.push({ accountId: id, name, reason });
    else accounts.push({ accountId: id, name });
  }
  const byId = (a: { accountId: string }, b: { accountId: string }) =>
    a.accountId < b.accountId ? -1 : 1;
  return { accounts: accounts.sort(byId), excluded: excluded.sort(byId) };
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
