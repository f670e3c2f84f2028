import { createOrgRealtimeHandler, orgRealtimeProductionDeps } from './org-realtime-handler';

/** The organization's real-time function's entry: its dependencies built once, at cold start. */
export const handler = createOrgRealtimeHandler(orgRealtimeProductionDeps(process.env));
