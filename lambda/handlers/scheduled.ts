import { createHandler, productionDeps } from './scheduled-handler';

/** The deployed function's entry point: built once per execution environment, at cold start. */
export const handler = createHandler(productionDeps(process.env));
