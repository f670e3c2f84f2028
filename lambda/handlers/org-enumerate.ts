import { createOrganizationsClient } from '../aws/organizations';
import { createS3Client } from '../aws/s3';
import { createEnumerateHandler } from './org-enumerate-handler';
import { loadOrgEnvironment } from './org-environment';

const { archiveBucket } = loadOrgEnvironment(process.env);

/** The enumerate step's entry point: the accounts of this run, written to the archive. */
export const handler = createEnumerateHandler({
  s3: createS3Client(),
  organizations: createOrganizationsClient(),
  archiveBucket,
  env: process.env,
});
