/** `GET /api/health` answer, read by the page's lab status indicator. */
import type { DevStatus } from './devStatus.ts';
import type { LearnerLabStatus } from './learnerLab.ts';

export type LabState = 'none' | 'starting' | 'ready' | 'degraded' | 'stopping' | 'down';
export type ProcessState = 'pending' | 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped';

export interface ProcessHealth {
  name: string;
  state: ProcessState;
  restarts: number;
  /** Last exit or probe failure, for a degraded lab. */
  lastError?: string;
}

export interface HostHealth {
  name: string;
  /** Other names a terminal may target the host by (lab.yaml `aliases`). */
  aliases?: string[];
  address: string;
  processes: ProcessHealth[];
}

export interface LabHealth {
  name: string;
  instance: string;
  state: LabState;
  hosts: HostHealth[];
  /** `host/process` of each failing process when state is degraded. */
  failing: string[];
  /**
   * The lab Prometheus' scrape interval, when the lab has one: graphs substitute Grafana's variables with
   * it, whether or not the lab has challenges.
   */
  scrapeIntervalSeconds?: number;
}

export interface HealthResponse {
  status: 'ok';
  version: string;
  uptimeSeconds: number;
  /** The lab: for a signed-in learner their own instance's health (state `none` while they hold none). */
  lab: LabHealth | null;
  /** With a lab pool and a session: the learner's own instance (queue place, warning, fresh). */
  learnerLab?: LearnerLabStatus;
  /** Only from `patchbay dev`: how it applied edits of the lab's files. */
  dev?: DevStatus;
}

export const HEALTH_PATH = '/api/health';
