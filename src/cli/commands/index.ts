/**
 * Every `patchbay` subcommand, in the order `patchbay --help` lists them. Each lives in its own file
 * and is loaded only when invoked, so `patchbay status` does not pay for the site or the checker.
 */
import type { Command } from '../command.ts';

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

export const commands: CommandEntry[] = [
  { name: 'test', summary: 'Run every lesson end to end against a fresh lab (or the ones named)', load: async () => (await import('./test.ts')).test },
  // Entries are added by the modules that implement them, e.g.
  // { name: 'serve', summary: 'Serve the site, the API and terminals', load: async () => (await import('./serve.ts')).serve },
];
