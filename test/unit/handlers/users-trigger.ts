import type { Summary } from '../../../lambda/core/report';
import { type RunScope, usersScope } from '../../../lambda/core/scope';
import { type AuditTrigger, deliveredSummary } from '../../../lambda/handlers/lambda-handler';

/**
 * A trigger of the tests' own, made as docs/contributing/adding-a-trigger.md says a new trigger
 * is made, and only so: its event parser (`{"userNames": [...]}`, nothing else), its run scope
 * (those users) and its output (the scheduled function's: the summary, failing on a failed
 * delivery or a partial run). Nothing in lambda/ knows of it: the seam tests prove that the
 * handler, the archive, the metrics and the Security Hub sweep follow its scope through the
 * wrapper alone.
 */
export const usersTrigger: AuditTrigger<RunScope, Summary> = {
  parse: (event) => {
    const keys = typeof event === 'object' && event !== null ? Object.keys(event) : [];
    const { userNames } = (event ?? {}) as { userNames?: unknown };
    if (
      keys.length !== 1 ||
      !Array.isArray(userNames) ||
      !userNames.every((name) => typeof name === 'string')
    ) {
      throw new Error('Invalid users event: expected {"userNames": ["<user name>", …]}');
    }
    // The scope is built here, so a bad name is refused before any call.
    return usersScope(userNames);
  },
  scope: (scope) => scope,
  output: deliveredSummary,
};
