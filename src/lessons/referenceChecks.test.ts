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

  it('skips the checks whose context is not given', () => {
    const plan = readLesson(`<Terminal id="db" target="database"/>\n\n<Challenge id="nope"/>\n`, 'l.mdx');
    expect(checkReferences(plan, {})).toEqual([]);
  });
});
