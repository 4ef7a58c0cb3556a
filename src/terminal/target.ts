/**
 * How a terminal's target becomes a process. The terminal layer knows nothing of labs or HTTP: the
 * server hands it a resolver (a local one for a bare gateway, the lab's for hosts in namespaces).
 * The client may ask for shell/user/workdir; the resolver checks them against what the target allows.
 * The context says whose terminal it is (the session's learner id), so a resolver may pick that
 * learner's own lab instance; to this layer the owner is an opaque key.
 */
import type { TerminalErrorCode } from '../protocol/errors.ts';
import type { TerminalRequest } from '../protocol/terminal.ts';

export interface SpawnSpec {
  /** The resolved host name (shown to the learner). */
  host: string;
  /** Executable and arguments that start the shell, already entering the host's namespaces. */
  file: string;
  args: string[];
  /** The complete environment of the shell: never the gateway's own. */
  env: Record<string, string>;
  cwd: string;
  shell: string;
  user: string;
  workdir: string;
  /**
   * cgroup (relative to each controller's root) the terminal's own cgroup nests under, so its caps
   * count against the target's too: a lab fills its instance's. Absent: the gateway's own parent.
   */
  cgroupParent?: string;
}

export type ResolveResult =
  | { ok: true; spec: SpawnSpec }
  | { ok: false; code: Extract<TerminalErrorCode, 'PB_UNKNOWN_TARGET' | 'PB_TARGET_REFUSED' | 'PB_LAB_NOT_READY' | 'PB_LAB_RECLAIMED'>; message: string };

export interface ResolveContext {
  /** The terminal's owner: the id its registry keys it under (the gateway's learner id). */
  owner: string;
}

export interface TargetResolver {
  resolve(request: TerminalRequest, context: ResolveContext): Promise<ResolveResult> | ResolveResult;
}
