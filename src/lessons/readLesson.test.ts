import { describe, expect, it } from 'vitest';
import { readLesson } from './readLesson.ts';
import { challengeSteps, commandSteps, graphSteps } from './lessonPlan.ts';

const lesson = `---
id: metrics
title: Connection metrics
---

<TerminalVisor minimized>
  <Terminal target="tools" shell="/bin/bash" workdir="/root" user="root" id="shell" name="Tools"/>
  <Terminal target="api" id="api"/>
</TerminalVisor>

Some prose.

<TerminalRunCommand target="shell">
  <Command>clear</Command>
  <Command>curl -s localhost:19000/config_dump | jq '.configs[] | &#123;name}'</Command>
</TerminalRunCommand>

<MetricsGraph query="rate(envoy_listener_downstream_cx_total[1m])" title="Opened"/>

<TerminalRunCommand target="api">
  <Command expectExit={7}>{\`curl -s localhost:1/ *x*\`}</Command>
  <Command expectFail timeout={90}>false</Command>
</TerminalRunCommand>

Try it: <Challenge id="api-active-connections"/>
`;

describe('readLesson', () => {
  const plan = readLesson(lesson, 'docs/course/01-metrics.mdx');

  it('reads front matter id and title', () => {
    expect(plan.id).toBe('metrics');
    expect(plan.title).toBe('Connection metrics');
    expect(plan.problems).toEqual([]);
  });

  it('reads terminals with their attributes and lines', () => {
    expect(plan.terminals).toEqual([
      { id: 'shell', target: 'tools', shell: '/bin/bash', workdir: '/root', user: 'root', name: 'Tools', at: { file: 'docs/course/01-metrics.mdx', line: 7, column: 3 } },
      { id: 'api', target: 'api', at: { file: 'docs/course/01-metrics.mdx', line: 8, column: 3 } },
    ]);
  });

  it('reads commands in order with decoded text, button ordinals and expectations', () => {
    const cmds = commandSteps(plan);
    expect(cmds.map((c) => [c.terminal, c.text, c.button, c.at.line])).toEqual([
      ['shell', 'clear', 1, 14],
      ['shell', "curl -s localhost:19000/config_dump | jq '.configs[] | {name}'", 1, 15],
      ['api', 'curl -s localhost:1/ *x*', 2, 21],
      ['api', 'false', 2, 22],
    ]);
    expect(cmds[0]!.expect).toEqual({ kind: 'code', code: 0 });
    expect(cmds[2]!.expect).toEqual({ kind: 'code', code: 7 });
    expect(cmds[3]!.expect).toEqual({ kind: 'nonzero' });
    expect(cmds[3]!.timeoutSeconds).toBe(90);
  });

  it('reads challenges and graphs, inline or block, with positions', () => {
    expect(challengeSteps(plan)).toEqual([{ kind: 'challenge', id: 'api-active-connections', at: { file: 'docs/course/01-metrics.mdx', line: 25, column: 9 } }]);
    expect(graphSteps(plan).map((g) => [g.query, g.title, g.at.line])).toEqual([['rate(envoy_listener_downstream_cx_total[1m])', 'Opened', 18]]);
  });

  it('keeps steps in document order', () => {
    expect(plan.steps.map((s) => s.kind)).toEqual(['command', 'command', 'graph', 'command', 'command', 'challenge']);
  });

  it('derives the id from the file name without its numeric prefix when front matter has none', () => {
    expect(readLesson('# Pools\n', 'docs/course/03-pools.mdx')).toMatchObject({ id: 'pools', title: 'Pools' });
  });

  it('reports markdown inside a command at its position instead of typing altered text', () => {
    const p = readLesson('<TerminalRunCommand target="t">\n  <Command>echo *hi* there</Command>\n</TerminalRunCommand>\n', 'x.mdx');
    expect(commandSteps(p)).toEqual([]);
    expect(p.problems).toHaveLength(1);
    expect(p.problems[0]!.at.line).toBe(2);
    expect(p.problems[0]!.message).toMatch(/markdown \(emphasis\) inside <Command>/);
  });

  it('types a URL inside a command as written, though GFM renders it as a link', () => {
    const p = readLesson('<TerminalRunCommand target="t">\n  <Command>curl -s http://api:19000/stats?filter=cx_active</Command>\n</TerminalRunCommand>\n', 'x.mdx');
    expect(p.problems).toEqual([]);
    expect(commandSteps(p).map((c) => c.text)).toEqual(['curl -s http://api:19000/stats?filter=cx_active']);
  });

  it('joins the lines of a command with spaces, as the browser types it', () => {
    const p = readLesson('<TerminalRunCommand target="t">\n  <Command>\n    curl -s api:19000/stats |\n    grep cx_active\n  </Command>\n</TerminalRunCommand>\n', 'x.mdx');
    expect(p.problems).toEqual([]);
    expect(commandSteps(p).map((c) => c.text)).toEqual(['curl -s api:19000/stats | grep cx_active']);
  });

  it('uses the target as terminal id when none is given, as the browser does', () => {
    expect(readLesson('<Terminal target="tools"/>\n', 'x.mdx').terminals.map((t) => t.id)).toEqual(['tools']);
  });

  it('reports a missing attribute, an empty command and a non-literal expression', () => {
    const p = readLesson(
      ['<Terminal id="x"/>', '', '<TerminalRunCommand target="t">', '  <Command> </Command>', '  <Command>{cmd}</Command>', '</TerminalRunCommand>', '', '<Challenge/>'].join('\n'),
      'x.mdx',
    );
    expect(p.problems.map((q) => [q.at.line, q.message.slice(0, 30)])).toEqual([
      [1, '<Terminal> needs a target="…" '],
      [4, '<Command> is empty'],
      [5, 'a <Command> expression must be'],
      [8, '<Challenge> needs a id="…" att'],
    ]);
  });

  it('reports front matter YAML errors at their line in the lesson, aliases bounded', () => {
    let bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
    for (const [n, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']] as const) bomb += `${n}: &${n} [${Array(10).fill(`*${prev}`).join(', ')}]\n`;
    const p = readLesson(`---\nid: boom\n${bomb}---\n\n# Boom\n`, 'boom.mdx');
    expect(p.problems).toHaveLength(1);
    expect(p.problems[0]!.message).toMatch(/^front matter is not valid YAML: YAML: aliases expand to more than \d+ copies/);
    expect(p.problems[0]!.at.line).toBeGreaterThan(3);
    const dup = readLesson('---\nid: a\ntitle: T\nid: b\n---\n', 'dup.mdx');
    expect(dup.problems.map((q) => [q.at.line, q.at.column, q.message])).toEqual([[4, 1, 'front matter is not valid YAML: YAML: Map keys must be unique']]);
  });

  it('reads keepsRunning and allowPipeFailure, bare or as {true}/{false}', () => {
    const p = readLesson(
      [
        '<TerminalRunCommand target="t">',
        '  <Command allowPipeFailure>curl -s api:19000/stats | grep -q cx_active</Command>',
        '  <Command allowPipeFailure={false}>true</Command>',
        '  <Command keepsRunning>tail -f /var/log/x</Command>',
        '</TerminalRunCommand>',
      ].join('\n'),
      'x.mdx',
    );
    expect(p.problems).toEqual([]);
    expect(commandSteps(p).map((c) => [c.allowPipeFailure, c.keepsRunning])).toEqual([[true, undefined], [undefined, undefined], [undefined, true]]);
  });

  it('reports keepsRunning before the end of its block, or with an exit status or time limit', () => {
    const p = readLesson(
      [
        '<TerminalRunCommand target="t">',
        '  <Command keepsRunning>tail -f /var/log/x</Command>',
        '  <Command>true</Command>',
        '</TerminalRunCommand>',
        '<TerminalRunCommand target="t">',
        '  <Command keepsRunning expectFail>serve</Command>',
        '</TerminalRunCommand>',
        '<TerminalRunCommand target="t">',
        '  <Command keepsRunning="yes">serve</Command>',
        '</TerminalRunCommand>',
      ].join('\n'),
      'x.mdx',
    );
    expect(p.problems.map((q) => [q.at.line, q.message.slice(0, 48)])).toEqual([
      [2, 'keepsRunning must be on the last <Command> of it'],
      [6, 'keepsRunning and expectFail do not go together: '],
      [9, '<Command> attribute keepsRunning is a flag: writ'],
    ]);
  });

  it('reads a graph\'s window and step as written, for the browser\'s own resolution', () => {
    const p = readLesson('<MetricsGraph query="up" window="10m" step="15s" refresh="5s"/>\n', 'x.mdx');
    expect(graphSteps(p)).toEqual([{ kind: 'graph', query: 'up', window: '10m', step: '15s', at: { file: 'x.mdx', line: 1, column: 1 } }]);
  });

  it('reports an MDX syntax error with the parser position', () => {
    const p = readLesson('# T\n\n<TerminalRunCommand target="x">\n  <Command>a</Comand>\n', 'bad.mdx');
    expect(p.problems).toHaveLength(1);
    expect(p.problems[0]!.message).toMatch(/^MDX syntax:/);
    expect(p.problems[0]!.at.line).toBe(4);
  });
});
