/**
 * The one line that says what each `patchbay` command does, in the order `patchbay --help` lists them.
 * `patchbay --help` and each `patchbay NAME --help` both read it, so a summary is written once.
 */
export const SUMMARIES = {
  test: 'Run every lesson end to end against a fresh lab (or the ones named)',
  up: 'Start a lab instance (foreground, or --detach)',
  down: 'Stop a lab instance and remove everything it created',
  status: 'Show lab instances, hosts and processes',
  exec: 'Run a command inside a lab host',
  logs: "Print (or follow) the logs of a host's processes",
  check: 'Check a PromQL answer to a challenge (live lab or --offline fixture)',
  new: 'Write a lesson page or a challenge to start from, which passes validation as written',
  serve: 'Serve the built site, the API and terminals on one port',
  dev: 'Docusaurus with hot reload behind the gateway (API and terminals on the same port)',
  invite: 'Make an invite link for a learner on the hosted gateway running here',
} as const;

export type CommandName = keyof typeof SUMMARIES;
