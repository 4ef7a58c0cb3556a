/**
 * Every `patchbay` subcommand, in the order of `SUMMARIES` (which `patchbay --help` lists). Each lives
 * in its own file and is loaded only when invoked, so `patchbay status` does not pay for the site or
 * the checker.
 */
import type { Command } from '../command.ts';
import { SUMMARIES, type CommandName } from '../summaries.ts';

export interface CommandEntry {
  name: CommandName;
  summary: string;
  load: () => Promise<Command>;
}

const loaders: Record<CommandName, () => Promise<Command>> = {
  test: async () => (await import('./test.ts')).test,
  up: async () => (await import('./up.ts')).up,
  down: async () => (await import('./down.ts')).down,
  status: async () => (await import('./status.ts')).status,
  exec: async () => (await import('./exec.ts')).exec,
  logs: async () => (await import('./logs.ts')).logs,
  check: async () => (await import('./check.ts')).check,
  new: async () => (await import('./new.ts')).newCommand,
  serve: async () => (await import('./serve.ts')).serve,
  dev: async () => (await import('./dev.ts')).dev,
  invite: async () => (await import('./invite.ts')).invite,
};

export const commands: CommandEntry[] = (Object.keys(SUMMARIES) as CommandName[]).map((name) => ({ name, summary: SUMMARIES[name], load: loaders[name] }));
