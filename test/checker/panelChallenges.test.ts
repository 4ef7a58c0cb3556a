/**
 * Panel challenges (kind `panel`) graded against a real Prometheus serving the offline fixture: lesson 1's
 * "API connections" panel. Each query is graded by meaning with the query checker, matched to a distinct
 * reference query in any order; legends and the title by the author's rules.
 */
import { describe, expect, it } from 'vitest';
import type { PanelChallenge } from '../../src/checker/challenges.ts';
import { checkPanel, maximumMatching, referencePanel, referencePanelText } from '../../src/checker/checkPanel.ts';
import type { Panel, PanelQuery } from '../../src/protocol/dashboard.ts';
import { assertPanelChallenge } from '../../src/lessons/panelAssertions.ts';
import { withOfflineLab } from './offline.ts';

const lab = withOfflineLab();
const PUBLIC = 'envoy_listener_downstream_cx_active{job="api", envoy_listener_address=~".*_20000"}';
const OUTBOUND = 'envoy_listener_downstream_cx_active{envoy_listener_address=~".*_15001"}';

function challenge(): PanelChallenge {
  const c = lab.set.panelById.get('api-connections-panel');
  if (!c) throw new Error('labs/connections/challenges.yaml has no panel challenge api-connections-panel');
  return c;
}

function panel(title: string, ...queries: Omit<PanelQuery, 'refId'>[]): Panel {
  return { id: 'p1', title, timeRange: '5m', queries: queries.map((q, i) => ({ refId: String.fromCharCode(65 + i), ...q })) };
}
const custom = (expr: string, legendFormat: string): Omit<PanelQuery, 'refId'> => ({ expr, legendMode: 'custom', legendFormat });
const auto = (expr: string): Omit<PanelQuery, 'refId'> => ({ expr, legendMode: 'auto' });

describe('panel challenges (offline fixture)', () => {
  it('passes the reference panel, every query matched to its reference query', async () => {
    const c = challenge();
    const r = await checkPanel(c, referencePanel(c), lab.target);
    expect(r.error).toBeUndefined();
    expect(r.passed).toBe(true);
    expect(r.queries.map((q) => [q.refId, q.reference, q.passed, q.legend?.passed])).toEqual([
      ['A', 0, true, true],
      ['B', 1, true, true],
    ]);
    expect(r.title).toMatchObject({ passed: true });
    expect(r.missing).toEqual([]);
    // The fixture has two api instances: each query shows one series per instance.
    expect(r.queries.every((q) => q.series > 0)).toBe(true);
    expect(referencePanelText(c)).toContain('Title: API connections');
  });

  it('matches queries to reference queries in any order, written differently but meaning the same', async () => {
    const r = await checkPanel(challenge(), panel('  api   CONNECTIONS ',
      custom('envoy_listener_downstream_cx_active{job="api", envoy_listener_address="127.0.0.1_15001"}', 'outbound {{instance}}'),
      custom('sum without (envoy_worker_id) (envoy_listener_worker_downstream_cx_active{service="api", envoy_listener_address=~".*_20000"})', 'public {{instance}}'),
    ), lab.target);
    expect(r.passed).toBe(true);
    expect(r.queries.map((q) => q.reference)).toEqual([1, 0]);
  });

  it('fails a wrong query with its hint, naming what the reference query it is compared with shows', async () => {
    const r = await checkPanel(challenge(), panel('API connections', custom(PUBLIC, 'public'), custom('envoy_listener_downstream_cx_active{job="api"}', 'outbound')), lab.target);
    expect(r.passed).toBe(false);
    const [a, b] = r.queries;
    expect(a).toMatchObject({ passed: true, reference: 0 });
    expect(b).toMatchObject({ passed: false, reference: 1, about: "connections open on the api sidecar's outbound listener" });
    expect(b!.hints.map((h) => h.id)).toContain('label-filter');
    expect(b!.legend).toBeUndefined();
    expect(r.missing).toEqual([{ reference: 1, about: "connections open on the api sidecar's outbound listener" }]);
  });

  it('names a reference query the panel lacks, and a query it has twice', async () => {
    const one = await checkPanel(challenge(), panel('API connections', custom(PUBLIC, 'public')), lab.target);
    expect(one.passed).toBe(false);
    expect(one.missing.map((m) => m.about)).toEqual(["connections open on the api sidecar's outbound listener"]);

    const twice = await checkPanel(challenge(), panel('API connections', custom(PUBLIC, 'public'), custom(OUTBOUND, 'outbound'), custom(PUBLIC, 'public again')), lab.target);
    expect(twice.passed).toBe(false);
    expect(twice.queries[2]).toMatchObject({ passed: false, reference: null });
    expect(twice.queries[2]!.note).toContain('the same as query A');
  });

  it('grades the title: the text asked for, whatever its case and spacing', async () => {
    const r = await checkPanel(challenge(), panel('Connections', custom(PUBLIC, 'public'), custom(OUTBOUND, 'outbound')), lab.target);
    expect(r.passed).toBe(false);
    expect(r.queries.every((q) => q.passed && q.legend?.passed)).toBe(true);
    expect(r.title).toMatchObject({ passed: false });
    expect(r.title!.message).toContain('API connections');

    const anyTitle: PanelChallenge = { ...challenge(), panel: { ...challenge().panel, title: { any: true } } };
    expect((await checkPanel(anyTitle, panel('Mine', custom(PUBLIC, 'public'), custom(OUTBOUND, 'outbound')), lab.target)).passed).toBe(true);
    const untitled = await checkPanel(anyTitle, panel('  ', custom(PUBLIC, 'public'), custom(OUTBOUND, 'outbound')), lab.target);
    expect(untitled).toMatchObject({ passed: false, title: { passed: false } });
  });

  it('grades legends: a text, a label shown by a custom template or by Auto, or series told apart', async () => {
    const c = challenge();
    const byService = await checkPanel(c, panel('API connections', custom(PUBLIC, '{{service}}'), custom(OUTBOUND, '{{envoy_listener_address}}')), lab.target);
    expect(byService.passed).toBe(false);
    expect(byService.queries.map((q) => q.legend?.passed)).toEqual([false, true]);
    expect(byService.queries[0]!.legend!.message).toContain('public');

    // Verbose names each series in full, its listener address included. Auto names the fixture's two api
    // instances by what differs between them (the instance), which does not say which listener it is.
    expect((await checkPanel(c, panel('API connections', { ...auto(PUBLIC), legendMode: 'verbose' }, { ...auto(OUTBOUND), legendMode: 'verbose' }), lab.target)).passed).toBe(true);
    const byInstance = await checkPanel(c, panel('API connections', auto(PUBLIC), auto(OUTBOUND)), lab.target);
    expect(byInstance.queries.map((q) => q.legend?.passed)).toEqual([false, false]);
    // Over one series, Auto gives its full name: the listener is shown.
    const one = 'envoy_listener_downstream_cx_active{instance="api:19000", envoy_listener_address=~".*_15001"}';
    const single = { ...c, panel: { ...c.panel, queries: [{ ...c.panel.queries[1]!, reference: one }] } };
    expect((await checkPanel(single, panel('API connections', auto(one)), lab.target)).queries[0]!.legend).toMatchObject({ passed: true });
    // Case does not matter in a text rule.
    expect((await checkPanel(c, panel('API connections', custom(PUBLIC, 'Public listener'), custom(OUTBOUND, 'OUTBOUND')), lab.target)).passed).toBe(true);

    const apart: PanelChallenge = { ...c, panel: { ...c.panel, queries: c.panel.queries.map((q) => ({ ...q, legend: [{ apart: true as const }] })) } };
    const alike = await checkPanel(apart, panel('API connections', custom(PUBLIC, '{{service}}'), custom(OUTBOUND, '{{service}}')), lab.target);
    expect(alike.queries.map((q) => q.legend?.passed)).toEqual([false, false]);
    const told = await checkPanel(apart, panel('API connections', custom(PUBLIC, '{{instance}} in'), custom(OUTBOUND, '{{instance}} out')), lab.target);
    expect(told.passed).toBe(true);
  });

  it('reports a syntax error in one query without grading it, and grades the others', async () => {
    const r = await checkPanel(challenge(), panel('API connections', custom(PUBLIC, 'public'), custom('envoy_listener_downstream_cx_active{', 'outbound')), lab.target);
    expect(r.passed).toBe(false);
    expect(r.error).toBeUndefined();
    expect(r.queries[0]!.passed).toBe(true);
    expect(r.queries[1]!.error?.kind).toBe('syntax');
  });
});

describe('panel challenge validation (offline fixture)', () => {
  it('holds for lesson 1\'s panel: each reference query as a query challenge, the reference panel in both orders, its must-pass and must-fail panels', async () => {
    const names = await lab.prometheus.client.labelValues('__name__');
    const checks = await assertPanelChallenge(challenge(), lab.target, names.ok ? names.data : [], (path) => lab.set.positionOf('api-connections-panel', path));
    expect(checks.filter((k) => !k.ok)).toEqual([]);
    const labels = checks.map((k) => k.label);
    expect(labels).toEqual(expect.arrayContaining(['reference passes (query A)', 'reference passes (query B)', 'reference panel passes', 'reference panel passes with its queries in reverse order', 'must fail in its title: panel 1']));
    expect(labels.filter((l) => l.startsWith('mutant (query ')).length).toBeGreaterThan(2);
    // Each check points at its line of challenges.yaml.
    const mustFail = checks.find((k) => k.label === 'must fail in its legend: panel 2')!;
    expect(mustFail.at!.line).toBe(lab.set.positionOf('api-connections-panel', ['panel', 'mustFail', 1]).line);
  });

  it('reports a must-fail panel that passes, and one that fails in another part than it names', async () => {
    const c = challenge();
    const [good] = c.panel.mustPass;
    const wrongList: PanelChallenge = { ...c, panel: { ...c.panel, mustPass: [], mustFail: [{ ...good!, fails: 'legend' }, { ...c.panel.mustFail[0]!, fails: 'legend' }] } };
    const names = await lab.prometheus.client.labelValues('__name__');
    const failed = (await assertPanelChallenge(wrongList, lab.target, names.ok ? names.data : [])).filter((k) => !k.ok);
    expect(failed.map((k) => k.label)).toEqual(['a must-fail panel passes: panel 1', 'a must-fail panel does not fail in its legend: panel 2']);
    expect(failed[1]!.detail).toContain('API connections');
  });
});

describe('maximumMatching', () => {
  it('gives each query a distinct reference, moving an earlier query to make room for a later one', () => {
    expect(maximumMatching([[true, true], [true, false]], 2)).toEqual([1, 0]);
    expect(maximumMatching([[true, false], [true, false]], 2)).toEqual([0, null]);
    expect(maximumMatching([[false, false]], 2)).toEqual([null]);
  });

  it('keeps each query at the reference of its own position when the data cannot tell them apart', () => {
    // Both queries pass both references (e.g. both empty early in a lab): A stays A, B stays B.
    expect(maximumMatching([[true, true], [true, true]], 2)).toEqual([0, 1]);
    expect(maximumMatching([[true, true, true], [true, true, true], [true, true, true]], 3)).toEqual([0, 1, 2]);
    // Written in the other order, each passing only the other's reference: matched across.
    expect(maximumMatching([[false, true], [true, false]], 2)).toEqual([1, 0]);
    // More queries than references: the extra one tries them all.
    expect(maximumMatching([[false, true], [true, false], [true, true]], 2)).toEqual([1, 0, null]);
  });
});
