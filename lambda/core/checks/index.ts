import { ageCheck } from './age';
import { contentCheck } from './content';
import { expiryCheck } from './expiry';
import { rootCheck } from './root';
import { sshKeyCheck } from './ssh-key';

/**
 * Every check, one module each: the check index. The verdict union, the severity table, the
 * summary's counts and the run metrics, the exit status, the README's verdict table
 * (`npm run docs`) and Security Hub's titles and remediation all derive from this list
 * (table.ts): a new check is its module, a line here, and the regenerated README.
 */
export const CHECKS = [ageCheck, contentCheck, expiryCheck, rootCheck, sshKeyCheck] as const;
