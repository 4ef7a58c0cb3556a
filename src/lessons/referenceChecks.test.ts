import { describe, expect, it } from 'vitest';
import { readLesson } from './readLesson.ts';
import { checkReferences } from './referenceChecks.ts';
import { formatDefinitionError } from '../definitions/definitionError.ts';

const ctx = {
  hosts: ['tools', 'ingress', 'api', 'payments', 'prometheus'],
  challengeIds: ['api-active-connections', 'payments-opened-rate'],
  parseQuery: (q: string) => (q.includes('((') ? { ok: false as const, message: 'unexpected "("' } : { ok: true as const }),
};

function check(mdx: string) {
  return checkReferences(readLesson(mdx, 'docs/course/l.mdx'), ctx).map(formatDefinitionError);
}

describe('checkReferences', () => {
  it('accepts a lesson whose references all exist', () => {
    expect(
      check(`<TerminalVisor>\n<Terminal id="t" target="tools"/>\n</TerminalVisor>\n\n<TerminalRunCommand target="t">\n<Command>ls</Command>\n</TerminalRunCommand>\n\n<Challenge id="payments-opened-rate"/>\n`),
    ).toEqual([]);
  });

  it('points at a run-command naming a terminal that is not declared', () => {
    expect(check(`<Terminal id="tools" target="tools"/>\n\n<TerminalRunCommand target="tols">\n  <Command>ls</Command>\n</TerminalRunCommand>\n`)).toEqual([
      'docs/course/l.mdx:4:3: run-command targets terminal "tols", but no <Terminal id="tols"> is declared (did you mean "tools"?)',
    ]);
  });

  it('points at a run-command in a lesson with no terminals at all', () => {
    const [msg] = check(`<TerminalRunCommand target="tools">\n  <Command>ls</Command>\n</TerminalRunCommand>\n`);
    expect(msg).toMatch(/^docs\/course\/l\.mdx:2:3: .*declares no <Terminal>/);
  });

  it('points at a terminal whose target is no host of the lab', () => {
    expect(check(`\n<Terminal id="db" target="database"/>\n`)).toEqual([
      'docs/course/l.mdx:2:1: terminal "db" targets host "database", which the lab does not have; known: tools, ingress, api, payments, prometheus',
    ]);
  });

  it('points at a web tab naming no web service of the lab', () => {
    const withWeb = { ...ctx, webServiceIds: ['prometheus', 'ingress-admin'] };
    const mdx = `<WebTab service="prometheus" path="/classic/targets">Targets</WebTab>\n\n<WebTab service="prometheos"/>\n`;
    expect(checkReferences(readLesson(mdx, 'docs/course/l.mdx'), withWeb).map(formatDefinitionError)).toEqual([
      'docs/course/l.mdx:3:1: web tab "prometheos" is not a service in the lab\'s `web:` (did you mean "prometheus"?)',
    ]);
    expect(checkReferences(readLesson(mdx, 'docs/course/l.mdx'), { ...ctx, webServiceIds: [] }).map(formatDefinitionError)).toEqual([
      'docs/course/l.mdx:1:1: web tab "prometheus" is not a service in the lab\'s `web:`; the lab declares none',
      'docs/course/l.mdx:3:1: web tab "prometheos" is not a service in the lab\'s `web:`; the lab declares none',
    ]);
  });

  it('points at a challenge id the lab does not define', () => {
    expect(check(`Text\n\n<Challenge id="api-active-conections"/>\n`)).toEqual([
      'docs/course/l.mdx:3:1: challenge "api-active-conections" is not defined by the lab (did you mean "api-active-connections"?)',
    ]);
  });

  it('points at an unparsable graph query', () => {
    expect(check(`\n\n<MetricsGraph query="rate((x[1m])"/>\n`)).toEqual(['docs/course/l.mdx:3:1: MetricsGraph query does not parse: unexpected "("']);
  });

  it('reports reading problems in line order together with reference errors', () => {
    const lines = check(`<Challenge id="nope"/>\n\n<TerminalRunCommand target="t">\n  <Command>*x*</Command>\n</TerminalRunCommand>\n`);
    expect(lines.map((l) => l.split(':')[1])).toEqual(['1', '4']);
  });

  it('takes a host alias as a target, and for a qualified name says how to keep it', () => {
    const aliased = { ...ctx, hosts: [{ name: 'tools', aliases: ['tools.container.shipyard.run'] }, 'api'] };
    const lines = (mdx: string) => checkReferences(readLesson(mdx, 'l.mdx'), aliased).map(formatDefinitionError);
    expect(lines(`<Terminal id="t" target="tools.container.shipyard.run"/>\n`)).toEqual([]);
    expect(lines(`<Terminal id="a" target="api.container.shipyard.run"/>\n`)).toEqual([
      'l.mdx:1:1: terminal "a" targets host "api.container.shipyard.run", which the lab does not have (did you mean "api"? Or keep the name: add `aliases: [api.container.shipyard.run]` to host api in lab.yaml)',
    ]);
  });

  it('points at a component the site does not provide, unless the page imports it', () => {
    expect(check(`import Tabs from '@theme/Tabs';\n\n<Tabs/>\n\n<TerminalRunComand target="t"/>\n\n<Browser/>\n`)).toEqual([
      'docs/course/l.mdx:5:1: <TerminalRunComand> is not a component of this site (did you mean <TerminalRunCommand>?)',
      "docs/course/l.mdx:7:1: <Browser> is not a component of this site; lessons use <TerminalVisor>, <Terminal>, <TerminalRunCommand>, <Command>, <Challenge>, <MetricsGraph>, <Task>, <WebTab>, <Dashboard>, or import a component with `import Browser from '…'`",
    ]);
  });

  it('points at every Markdown image whose file is missing', () => {
    const present = new Set(['docs/course/img/here.png']);
    const missingImage = (url: string, file: string) => {
      const path = `${file.slice(0, file.lastIndexOf('/'))}/${url.replace('./', '')}`;
      return url.startsWith('http') || present.has(path) ? null : path;
    };
    const plan = readLesson(`![](./img/here.png)\n\n![](./img/gone.png)\n\n![](https://example.org/x.png)\n\n![](./img/also-gone.jpg)\n`, 'docs/course/l.mdx');
    expect(checkReferences(plan, { missingImage }).map(formatDefinitionError)).toEqual([
      'docs/course/l.mdx:3:1: image "./img/gone.png" not found: there is no docs/course/img/gone.png',
      'docs/course/l.mdx:7:1: image "./img/also-gone.jpg" not found: there is no docs/course/img/also-gone.jpg',
    ]);
  });

  it('skips the checks whose context is not given', () => {
    const plan = readLesson(`<Terminal id="db" target="database"/>\n\n<Challenge id="nope"/>\n`, 'l.mdx');
    expect(checkReferences(plan, {})).toEqual([]);
  });
});
