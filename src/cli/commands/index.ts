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
  { name: 'up', summary: 'Start a lab instance (foreground, or --detach)', load: async () => (await import('./up.ts')).up },
  { name: 'down', summary: 'Stop a lab instance and remove everything it created', load: async () => (await import('./down.ts')).down },
  { name: 'status', summary: 'Show lab instances, hosts and processes', load: async () => (await import('./status.ts')).status },
  { name: 'exec', summary: 'Run a command inside a lab host', load: async () => (await import('./exec.ts')).exec },
  { name: 'logs', summary: "Print (or follow) the logs of a host's processes", load: async () => (await import('./logs.ts')).logs },
  { name: 'check', summary: 'Check a PromQL answer to a challenge (live lab or --offline fixture)', load: async () => (await import('./check.ts')).check },
  { name: 'serve', summary: 'Serve the built site, the API and terminals on one port', load: async () => (await import('./serve.ts')).serve },
  { name: 'dev', summary: 'Docusaurus with hot reload behind the gateway (API and terminals on the same port)', load: async () => (await import('./dev.ts')).dev },
];
