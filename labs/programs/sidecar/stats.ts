/**
 * The sidecar's stats store: Envoy-style dotted counters and gauges, and the three renderings of the
 * admin API (`/stats` text, `/stats?format=json`, `/stats/prometheus`) with Envoy's default tag
 * extraction. Histograms are not kept (the course does not use them).
 */

export type StatType = 'counter' | 'gauge';

export interface Stat {
  readonly name: string;
  readonly type: StatType;
  value: number;
  /** Envoy's "used" flag: set once the stat is written (what `/stats?usedonly` filters on). */
  used: boolean;
}

export class Counter implements Stat {
  readonly type = 'counter' as const;
  value = 0;
  used = false;
  constructor(readonly name: string) {}
  inc(by = 1): void {
    this.value += by;
    this.used = true;
  }
}

export class Gauge implements Stat {
  readonly type = 'gauge' as const;
  value = 0;
  used = false;
  constructor(readonly name: string) {}
  inc(): void {
    this.value += 1;
    this.used = true;
  }
  dec(): void {
    this.value -= 1;
    this.used = true;
  }
  set(v: number): void {
    this.value = v;
    this.used = true;
  }
}

export class StatsStore {
  private readonly stats = new Map<string, Stat>();

  counter(name: string): Counter {
    return this.get(name, () => new Counter(name), 'counter') as Counter;
  }

  gauge(name: string): Gauge {
    return this.get(name, () => new Gauge(name), 'gauge') as Gauge;
  }

  private get(name: string, make: () => Stat, type: StatType): Stat {
    let s = this.stats.get(name);
    if (!s) {
      s = make();
      this.stats.set(name, s);
    } else if (s.type !== type) {
      throw new Error(`stat ${name} is a ${s.type}, asked for a ${type}`);
    }
    return s;
  }

  /** All stats sorted by name, as Envoy lists them. */
  all(): Stat[] {
    return [...this.stats.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

export interface StatsQuery {
  filter?: RegExp;
  usedOnly?: boolean;
}

function select(store: StatsStore, q: StatsQuery): Stat[] {
  return store.all().filter((s) => (!q.usedOnly || s.used) && (!q.filter || q.filter.test(s.name)));
}

/** `GET /stats`: one `name: value` line per stat. */
export function renderText(store: StatsStore, q: StatsQuery = {}): string {
  return select(store, q)
    .map((s) => `${s.name}: ${s.value}\n`)
    .join('');
}

/** `GET /stats?format=json`. */
export function renderJson(store: StatsStore, q: StatsQuery = {}): string {
  return JSON.stringify({ stats: select(store, q).map((s) => ({ name: s.name, value: s.value })) }, null, 1);
}

interface TagRule {
  tag: string;
  /** Group 1 is removed from the name, group 2 is the tag value (Envoy's TagSpecifier convention). */
  regex: RegExp;
}

/**
 * Envoy's default tag extractors (source/common/config/well_known_names.cc) for the stat families
 * this sidecar emits, applied in Envoy's order. Each removes its first capture group from the name.
 */
const TAG_RULES: readonly TagRule[] = [
  // listener.[<address>.]worker_<id>.<stat>: only the id is stripped, `worker_` stays in the name.
  { tag: 'envoy_worker_id', regex: /^listener\.(?:.+?\.)?worker_((\d+)\.)/d },
  // http.<stat_prefix>.
  { tag: 'envoy_http_conn_manager_prefix', regex: /^http\.(([^.]+)\.)/d },
  // listener.<address>. where the address is an IP (dots, digits, colons for v6, brackets) and port.
  { tag: 'envoy_listener_address', regex: /^listener\.(([0-9a-fA-F.:[\]]+_\d+)\.)/d },
  // *_rq_<N>xx: only the digit goes, leaving `_rq_xx`
  { tag: 'envoy_response_code_class', regex: /_rq_((\d))xx$/d },
  // *_rq_<code>
  { tag: 'envoy_response_code', regex: /_rq(_(\d{3}))$/d },
  // cluster.<name>.
  { tag: 'envoy_cluster_name', regex: /^cluster\.(([^.]+)\.)/d },
];

export interface TaggedName {
  name: string;
  tags: [string, string][];
}

/** Applies the tag rules to a dotted stat name: the tag-extracted name and its tags in order. */
export function extractTags(dotted: string): TaggedName {
  let name = dotted;
  const tags: [string, string][] = [];
  for (const rule of TAG_RULES) {
    const m = rule.regex.exec(name);
    const span = m?.indices?.[1];
    if (!m || !span || m[2] === undefined) continue;
    name = name.slice(0, span[0]) + name.slice(span[1]);
    tags.push([rule.tag, m[2]]);
  }
  return { name, tags };
}

/** Envoy's Prometheus naming: `envoy_` + name with every character outside [a-zA-Z0-9_] as `_`. */
export function prometheusName(extracted: string): string {
  return 'envoy_' + extracted.replace(/[^a-zA-Z0-9_]/g, '_');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** `GET /stats/prometheus`: grouped by metric name, one `# TYPE` line each, no `# HELP`. */
export function renderPrometheus(store: StatsStore, q: StatsQuery = {}): string {
  const families = new Map<string, { type: StatType; lines: string[] }>();
  for (const s of select(store, q)) {
    const { name, tags } = extractTags(s.name);
    const metric = prometheusName(name);
    let fam = families.get(metric);
    if (!fam) {
      fam = { type: s.type, lines: [] };
      families.set(metric, fam);
    }
    const labels = tags.length ? `{${tags.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
    fam.lines.push(`${metric}${labels} ${s.value}`);
  }
  let out = '';
  for (const metric of [...families.keys()].sort()) {
    const fam = families.get(metric)!;
    out += `# TYPE ${metric} ${fam.type}\n${fam.lines.join('\n')}\n`;
  }
  return out;
}
