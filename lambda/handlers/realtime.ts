import { createAccountRealtimeHandler, realtimeProductionDeps } from './realtime-account';

/** The real-time function's entry: its dependencies built once, at cold start. */
export const handler = createAccountRealtimeHandler(realtimeProductionDeps(process.env));
