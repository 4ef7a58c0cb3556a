import { describe, expect, it } from 'vitest';
import { formatDefinitionError } from '../definitions/definitionError.ts';
import { parseTasks } from './tasks.ts';

const good = `tasks:
  - id: breaker
    lesson: pools
    title: Set the breaker
    host: tools
    check: test -f /tmp/done
    hint: Not yet.
    solution: touch /tmp/done
`;

describe('tasks.yaml', () => {
  it('resolves a task with its default timeout and knows where each part is written', () => {
    const r = parseTasks(good, 'labs/x/tasks.yaml');
    if (!r.ok) throw new Error(r.errors.map(formatDefinitionError).join('\n'));
    expect(r.set.byId.get('breaker')).toMatchObject({ host: 'tools', check: 'test -f /tmp/done', timeout: 10 });
    expect(r.set.positionOf('breaker', ['check'])).toMatchObject({ file: 'labs/x/tasks.yaml', line: 6 });
  });

  it('reports every error of the file at once: renamed and misspelt keys, a duplicate id, a timeout over a minute', () => {
    const text = `${good}  - id: breaker
    lesson: pools
    title: Again
    host: tools
    verify: true
    hint: h
    solutoin: x
    timeout: 5m
`;
    const r = parseTasks(text, 'tasks.yaml');
    expect(r.ok).toBe(false);
    const lines = r.ok ? [] : r.errors.map(formatDefinitionError);
    expect(lines.join('\n')).toMatch(/tasks\.1\.id: duplicate id `breaker` \(also task 0\)/);
    expect(lines.join('\n')).toMatch(/tasks\.1\.verify: .*`check`/);
    expect(lines.join('\n')).toMatch(/tasks\.1\.solutoin: .*did you mean `solution`/);
    expect(lines.join('\n')).toMatch(/tasks\.1\.timeout: expected a duration from 1s to 60s/);
  });
});
