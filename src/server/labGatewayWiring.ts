/**
 * How a gateway and a lab (gatewayLab.ts) are wired together: `patchbay serve` and the tests' gateways
 * call these two, so a test's gateway pauses, thaws and ends terminals exactly as the product does.
 */
import type { Gateway, GatewayOptions } from './createGateway.ts';
import type { GatewayLab } from './gatewayLab.ts';

/** The gateway options a lab supplies: its resolver, health, and the per-learner hooks when a pool runs (its routes the caller adds to its own). */
export function labGatewayOptions(lab: GatewayLab): Pick<GatewayOptions, 'resolver' | 'healthProvider' | 'learnerLab' | 'onTerminalInput' | 'onTerminalAttach' | 'devStatus'> {
  const labs = lab.labs;
  return {
    resolver: lab.resolver,
    healthProvider: lab.health,
    ...(lab.learnerLab && { learnerLab: lab.learnerLab }),
    ...(lab.onTerminalInput && { onTerminalInput: lab.onTerminalInput }),
    // Attaching a terminal is use: it thaws a paused instance first.
    ...(labs && { onTerminalAttach: (learner: string) => labs.use(learner) }),
    ...(lab.status && { devStatus: lab.status }),
  };
}

/** Once the gateway exists: a learner's terminals end when their instance goes away, and an attached terminal keeps the instance from pausing. */
export function bindLabToGateway(lab: GatewayLab, gateway: Gateway): void {
  lab.bindTerminals?.((learner, code, ...args) => gateway.registry.endSession(learner, code, ...args));
  lab.labs?.setAttached((learner) => gateway.registry.entries().some((e) => e.sessionId === learner && e.session.attached));
}
