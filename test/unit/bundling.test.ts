import { describe, expect, it } from 'vitest';
import { bundleDefines } from '../../lib/bundling';
import { buildHandlerBundle } from '../../scripts/handler-bundle';

describe('the function bundle', () => {
  it('ships the Security Hub client only to a function deployed with Security Hub', async () => {
    const without = Buffer.from((await buildHandlerBundle({ securityHub: false })).code).toString();
    const withIt = Buffer.from((await buildHandlerBundle({ securityHub: true })).code).toString();

    expect(without).not.toContain('BatchImportFindings');
    expect(withIt).toContain('BatchImportFindings');
    expect(withIt.length - without.length).toBeGreaterThan(100_000);
  });

  it('defines nothing for a function with every feature', () => {
    expect(bundleDefines({ securityHub: true })).toEqual({});
  });
});
