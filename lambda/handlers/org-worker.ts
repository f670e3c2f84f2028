import { createWorkerHandler, workerProductionDeps } from './org-worker-handler';

/** The organization worker's entry point: one account per invocation. */
export const handler = createWorkerHandler(workerProductionDeps(process.env));
