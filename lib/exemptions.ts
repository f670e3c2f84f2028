import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { CredentialType } from '../lambda/core/credential';
import { checkExemptions, type ExemptionList, exemptionsFileOf } from '../lambda/core/exemptions';
import { readExemptionsFile } from '../lambda/core/exemptions-file';
import { EXEMPTIONS_FILE_ENV } from '../lambda/handlers/exemptions-env';

/** One exemption, as the constructs' `exemptions` prop takes it (the file's entry). */
export interface ExemptionEntry {
  /** The user: its name, or its ARN (only that account's user of that path). */
  readonly user: string;
  /** Only in this account (12 digits). @default - every account the entry's user is in */
  readonly account?: string;
  /** Only this credential (IAM's id). @default - every credential of the user */
  readonly credentialId?: string;
  /** Only this kind of credential. @default - every kind */
  readonly kind?: CredentialType;
  /** Why the exemption is granted. */
  readonly reason: string;
  /** Who approved it. */
  readonly approvedBy: string;
  /** The ticket or change that records it. @default - none */
  readonly ticket?: string;
  /** The last day it holds, `YYYY-MM-DD` (UTC), within `maxExemptionDays` when that is set. */
  readonly expires: string;
}

/** Where the layer puts the file: `/opt/` and the layer's own path. */
export const EXEMPTIONS_LAYER_PATH = '/opt/signing-cert-audit/exemptions.json';

/** What {@link AuditExemptions} is built from. */
export interface AuditExemptionsProps {
  /** The exemptions file's path (YAML, or JSON when it ends in `.json`), or the entries themselves. */
  readonly exemptions: string | readonly ExemptionEntry[];
  /** The policy's `maxExemptionDays`: no entry may end later. */
  readonly maxExemptionDays?: number | undefined;
}

/**
 * The exemptions file, checked at synth (a bad entry fails the synth, naming it) and handed to
 * the functions that audit as a Lambda layer holding the checked entries as JSON
 * ({@link EXEMPTIONS_LAYER_PATH}), named by their `EXEMPTIONS_FILE` variable. Lambda reads a
 * layer of the function's own account with no grant, so no role gains a permission: a change to
 * the file is a change to the deployment, reviewed where the file is.
 */
export class AuditExemptions extends Construct {
  /** The checked entries. */
  public readonly list: ExemptionList;
  /** The layer that holds them. */
  public readonly layer: lambda.LayerVersion;

  constructor(scope: Construct, id: string, props: AuditExemptionsProps) {
    super(scope, id);
    const options = { now: new Date(), maxExemptionDays: props.maxExemptionDays };
    this.list =
      typeof props.exemptions === 'string'
        ? readExemptionsFile(props.exemptions, options)
        : checkExemptions(
            { exemptions: props.exemptions },
            { ...options, source: 'the exemptions prop' },
          );
    // The layer's content, written once at synth; the asset is staged (copied) from it at once.
    const dir = mkdtempSync(join(tmpdir(), 'signing-cert-audit-exemptions-'));
    mkdirSync(join(dir, 'signing-cert-audit'));
    writeFileSync(
      join(dir, 'signing-cert-audit', 'exemptions.json'),
      `${JSON.stringify(exemptionsFileOf(this.list), null, 2)}\n`,
    );
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      code: lambda.Code.fromAsset(dir),
      description: `signing-cert-audit exemptions (${this.list.entries.length} entries)`,
      compatibleArchitectures: [lambda.Architecture.ARM_64],
    });
  }

  /** Gives a function that audits the exemptions: the layer, and the variable naming the file. */
  bind(fn: lambda.Function): void {
    fn.addLayers(this.layer);
    fn.addEnvironment(EXEMPTIONS_FILE_ENV, EXEMPTIONS_LAYER_PATH);
  }
}
