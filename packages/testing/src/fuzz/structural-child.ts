import type { Limits } from '@savedkeras/common';
import { healthCheck, judgeStructural, prepareStructuralCase, runStructuralCase, structuralCase, type StructuralFacade, type StructuralOutcome, type StructuralTf } from './structural.js';

/**
 * The structural fuzz child process: runs cases by index as the parent asks, one at a time,
 * reporting each before and after (so the parent can name a case that hung or crashed it), then
 * a health check: a real load and predict in the same process.
 */
export type StructuralParentMessage =
  | { type: 'case'; seed: number; index: number; limits?: Partial<Limits>; timeoutMs?: number }
  | { type: 'health' }
  | { type: 'exit' };

export type StructuralChildMessage =
  | { type: 'ready' }
  | { type: 'start'; index: number; what: string; mode: string }
  | { type: 'done'; index: number; what: string; mode: string; outcome: Omit<StructuralOutcome, 'stack'> & { stack?: string }; failure?: string; peakRss: number }
  | { type: 'health'; failure?: string; peakRss: number };

const peakRss = () => process.resourceUsage().maxRSS * 1024;

export function serveStructuralCases(deps: { facade: StructuralFacade; tf: StructuralTf }): void {
  const send = (m: StructuralChildMessage) => process.send!(m);
  // Start-up (tfjs, the facade) is done: the parent starts each case's clock only after this.
  send({ type: 'ready' });
  process.on('message', (msg: StructuralParentMessage) => {
    void (async () => {
      if (msg.type === 'exit') process.exit(0);
      if (msg.type === 'health') {
        send({ type: 'health', failure: await healthCheck(deps.facade, deps.tf), peakRss: peakRss() });
        return;
      }
      const c = await prepareStructuralCase(deps.facade, structuralCase(msg.seed, msg.index));
      send({ type: 'start', index: c.index, what: c.what, mode: c.mode });
      const outcome = await runStructuralCase(deps.facade, deps.tf, c, { limits: msg.limits, timeoutMs: msg.timeoutMs });
      send({ type: 'done', index: c.index, what: c.what, mode: c.mode, outcome, failure: judgeStructural(c, outcome), peakRss: peakRss() });
    })();
  });
}
