/**
 * A host is named by its key under `hosts:` or by one of its `aliases` (e.g. the name a Shipyard lesson
 * gives it, `tools.container.shipyard.run`). Terminals, `patchbay exec`/`logs` and lesson reference
 * checks all look hosts up, and word their "no such host" the same way, through here. Pure.
 */
import { didYouMean } from '../definitions/closest.ts';

export interface NamedHost {
  name: string;
  /** Other names of the host; absent in records written before aliases existed. */
  aliases?: readonly string[];
}

/** The host called `name`, by its name or an alias. */
export function findHost<H extends NamedHost>(hosts: readonly H[], name: string): H | undefined {
  return hosts.find((h) => h.name === name) ?? hosts.find((h) => h.aliases?.includes(name));
}

/**
 * The host probably meant by a name no host has: a typo of a name or an alias, or, for a dotted name,
 * the host its first label names (`tools.container.shipyard.run` → `tools`, as other platforms
 * qualify a host's name with their own domain).
 */
export function suggestHost(hosts: readonly NamedHost[], name: string): { host: string; qualified: boolean } | null {
  const [first, ...domain] = name.split('.');
  // Qualified names in one domain are all near each other as a whole: tell them apart by their first label.
  const near = (candidate: string) => {
    const [cFirst, ...cDomain] = candidate.split('.');
    return domain.length && cDomain.join('.') === domain.join('.') ? didYouMean(first!, [cFirst!]) !== null : true;
  };
  const meant = didYouMean(name, hosts.flatMap((h) => [h.name, ...(h.aliases ?? [])]).filter(near));
  if (domain.length && hosts.some((h) => h.name === first) && meant?.split('.')[0] !== first) return { host: first!, qualified: true };
  return meant === null ? null : { host: meant, qualified: false };
}

/**
 * What to write instead of an unknown host name, for the end of a message: `did you mean "api"?`, or
 * for a qualified name both ways to fix it (use the host's name, or declare the name as an alias).
 */
export function hostAdvice(hosts: readonly NamedHost[], name: string): string | null {
  const s = suggestHost(hosts, name);
  if (!s) return null;
  return s.qualified
    ? `did you mean "${s.host}"? Or keep the name: add \`aliases: [${name}]\` to host ${s.host} in lab.yaml`
    : `did you mean "${s.host}"?`;
}

/**
 * `no host "x" in lab L; its hosts are: a, b (did you mean "a"?)`; `No host …` as a sentence of its
 * own (a terminal's message), lowercase after a `patchbay NAME:` prefix.
 */
export function unknownHostMessage(lab: string, hosts: readonly NamedHost[], name: string, o: { sentence?: boolean } = {}): string {
  const advice = hostAdvice(hosts, name);
  return `${o.sentence ? 'No' : 'no'} host "${name}" in lab ${lab}; its hosts are: ${hosts.map((h) => h.name).join(', ')}${advice ? ` (${advice})` : ''}`;
}
