import { createConfigRuleHandler, productionDeps } from './config-rule-handler';

/** The Config rule function's entry point: built once per execution environment, at cold start. */
export const handler = createConfigRuleHandler(productionDeps(process.env));
