/**
 * Cross-field rules the schema cannot express: dependencies that exist and form no cycle, addresses that
 * do not clash, scrape targets and web services on hosts of the lab, `${VAR}`s that are defined. Pure: each problem is a
 * path into the definition (the loader turns it into file:line:column) and a message.
 */
import type { DefinitionIssue } from '../definitions/loadDefinition.ts';
import { BUILTIN_VARIABLES, type LabSpec } from './schema.ts';

/** The process Prometheus runs as on its host (added by the runtime). */
export const PROMETHEUS_PROCESS = 'prometheus';

/** `dep` as written in `dependsOn` of a process on `host` → its `host/process` id. */
export function dependencyId(host: string, dep: string): string {
  return dep.includes('/') ? dep : `${host}/${dep}`;
}

export function validateSpec(spec: LabSpec): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const hostNames = Object.keys(spec.hosts);
  const processIds = new Set<string>();
  for (const [host, h] of Object.entries(spec.hosts)) for (const p of Object.keys(h.processes)) processIds.add(`${host}/${p}`);
  if (spec.prometheus) processIds.add(`${spec.prometheus.host}/${PROMETHEUS_PROCESS}`);

  // Fixed addresses must be unique.
  const byAddress = new Map<number, string>();
  for (const [host, h] of Object.entries(spec.hosts)) {
    if (h.address === undefined) continue;
    const other = byAddress.get(h.address);
    if (other) issues.push({ path: ['hosts', host, 'address'], message: `address .${h.address} is already used by host \`${other}\`` });
    else byAddress.set(h.address, host);
  }

  // A name (host or alias) names one host.
  const owner = new Map<string, string>(hostNames.map((h) => [h, h]));
  for (const [host, h] of Object.entries(spec.hosts)) {
    h.aliases.forEach((alias, i) => {
      const other = owner.get(alias);
      if (other === undefined) owner.set(alias, host);
      else {
        const what = other === alias ? `the name of host \`${other}\`` : other === host ? 'already an alias of this host' : `already an alias of host \`${other}\``;
        issues.push({ path: ['hosts', host, 'aliases', i], message: `alias \`${alias}\` is ${what}` });
      }
    });
  }

  // Dependencies must name existing processes.
  const edges = new Map<string, string[]>();
  for (const [host, h] of Object.entries(spec.hosts)) {
    for (const [proc, p] of Object.entries(h.processes)) {
      const id = `${host}/${proc}`;
      edges.set(id, []);
      p.dependsOn.forEach((dep, i) => {
        const target = dependencyId(host, dep);
        if (!processIds.has(target)) {
          issues.push({ path: ['hosts', host, 'processes', proc, 'dependsOn', i], message: `no process \`${target}\`; expected one of: ${[...processIds].join(', ')}` });
        } else if (target === id) {
          issues.push({ path: ['hosts', host, 'processes', proc, 'dependsOn', i], message: 'a process cannot depend on itself' });
        } else edges.get(id)!.push(target);
      });
    }
  }
  const cycle = findCycle(edges);
  if (cycle) {
    const [host, proc] = cycle[0]!.split('/') as [string, string];
    issues.push({ path: ['hosts', host, 'processes', proc, 'dependsOn'], message: `dependency cycle: ${cycle.join(' → ')}` });
  }

  if (spec.prometheus) {
    const prom = spec.prometheus;
    if (!hostNames.includes(prom.host)) issues.push({ path: ['prometheus', 'host'], message: `no host \`${prom.host}\`; expected one of: ${hostNames.join(', ')}` });
    else if (spec.hosts[prom.host]!.processes[PROMETHEUS_PROCESS]) {
      issues.push({ path: ['hosts', prom.host, 'processes', PROMETHEUS_PROCESS], atKey: true, message: `the runtime runs Prometheus as \`${PROMETHEUS_PROCESS}\` on this host (from the \`prometheus\` section); rename this process` });
    }
    prom.scrape.forEach((job, j) =>
      job.targets.forEach((t, k) => {
        const target = typeof t === 'string' ? t : t.target;
        const host = target.split(':')[0]!;
        if (!hostNames.includes(host) && host !== 'localhost') {
          issues.push({ path: ['prometheus', 'scrape', j, 'targets', k], message: `no host \`${host}\`; expected one of: ${hostNames.join(', ')}` });
        }
      }),
    );
  }

  // A web service is on a host of the lab (by name or alias), or is the lab's Prometheus.
  for (const [id, w] of Object.entries(spec.web)) {
    if (w.prometheus && !spec.prometheus) issues.push({ path: ['web', id, 'prometheus'], message: 'this lab has no `prometheus` section, so no Prometheus UI to open' });
    if (w.host !== undefined && !owner.has(w.host)) issues.push({ path: ['web', id, 'host'], message: `no host \`${w.host}\`; expected one of: ${hostNames.join(', ')}` });
  }

  // `${VAR}` must be a builtin or a lab variable.
  const defined = new Set<string>([...BUILTIN_VARIABLES, ...Object.keys(spec.variables)]);
  const check = (value: string, path: (string | number)[]) => {
    for (const name of referencedVariables(value)) {
      if (!defined.has(name)) issues.push({ path, message: `unknown variable \${${name}}; defined: ${[...defined].join(', ')}` });
    }
  };
  for (const [host, h] of Object.entries(spec.hosts)) {
    for (const [k, v] of Object.entries(h.env)) check(v, ['hosts', host, 'env', k]);
    for (const [proc, p] of Object.entries(h.processes)) {
      const base = ['hosts', host, 'processes', proc];
      p.command.forEach((arg, i) => check(arg, [...base, 'command', i]));
      for (const [k, v] of Object.entries(p.env)) check(v, [...base, 'env', k]);
      for (const [f, v] of Object.entries(p.files)) {
        const content = typeof v === 'string' ? v : v.content;
        if (content !== undefined) check(content, [...base, 'files', f]);
      }
      if (p.ready?.http) check(p.ready.http, [...base, 'ready', 'http']);
      if (p.ready?.tcp) check(p.ready.tcp, [...base, 'ready', 'tcp']);
      p.ready?.command?.forEach((arg, i) => check(arg, [...base, 'ready', 'command', i]));
      if (p.workdir) check(p.workdir, [...base, 'workdir']);
    }
  }
  return issues;
}

const VAR_REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function referencedVariables(value: string): string[] {
  const names: string[] = [];
  for (const m of value.matchAll(VAR_REF)) if (m[1]) names.push(m[1]);
  return names;
}

/** Replaces `${NAME}` from `vars`; `$${` stays a literal `${`. Unknown names are left as written. */
export function substitute(value: string, vars: Record<string, string>): string {
  return value.replace(VAR_REF, (whole, name: string | undefined) => (name === undefined ? '${' : (vars[name] ?? whole)));
}

/** A cycle in the graph as `a → b → … → a`, or null. */
export function findCycle(edges: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const s = state.get(next);
      if (s === 'visiting') return [...stack.slice(stack.indexOf(next)), next];
      if (s === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of edges.keys()) {
    if (state.get(node) === undefined) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return null;
}
