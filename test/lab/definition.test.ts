/** Malformed definitions: each gives its own error with file:line:column, and nothing is started. */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseLabText } from '../../src/lab/loadLab.ts';
import { startLab } from '../../src/lab/startLab.ts';
import { formatDefinitionError, type DefinitionError } from '../../src/definitions/definitionError.ts';
import { FIXTURES, runtimeDir } from './helpers.ts';

function errorsOf(yaml: string): string[] {
  const r = parseLabText(yaml, 'lab.yaml');
  if (r.ok) throw new Error('expected errors');
  return r.errors.map(formatDefinitionError);
}

const web = (process: string) => `hosts:\n  web:\n    processes:\n      server:\n${process}`;

describe('a lab definition', () => {
  it('parses a valid one with defaults applied in the same pass', () => {
    const r = parseLabText(web('        command: [node, -e, "1", 8080]\n        ready: { tcp: "127.0.0.1:8080", interval: 1.5s }\n'), 'lab.yaml');
    if (!r.ok) throw new Error(r.errors.map(formatDefinitionError).join('\n'));
    const p = r.spec.hosts.web!.processes.server!;
    expect(p.command).toEqual(['node', '-e', '1', '8080']);
    expect(p.restart).toBe('always');
    expect(p.backoff).toEqual({ initial: 250, max: 8000 });
    expect(p.ready).toMatchObject({ tcp: '127.0.0.1:8080', interval: 1500, timeout: 1000 });
    expect(p.dependsOn).toEqual([]);
  });

  it('names a missing required key where it belongs', () => {
    expect(errorsOf(web('        restart: always\n'))).toEqual(['lab.yaml:5:9: hosts.web.processes.server.command: missing required key `command`']);
  });

  it('says what type was expected', () => {
    expect(errorsOf(web('        command: node server.js\n'))).toEqual(['lab.yaml:5:18: hosts.web.processes.server.command: expected array, got string']);
  });

  it('lists the allowed values of an enum', () => {
    expect(errorsOf(web('        command: [node]\n        restart: sometimes\n'))).toEqual([
      'lab.yaml:6:18: hosts.web.processes.server.restart: expected one of always, on-failure, never, got "sometimes"',
    ]);
  });

  it('rejects an unknown key, pointing at the key', () => {
    expect(errorsOf(web('        command: [node]\n        colour: blue\n'))).toEqual([
      'lab.yaml:6:9: hosts.web.processes.server.colour: unknown key `colour`; expected one of: command, env, files, ready, restart, backoff, dependsOn, user, workdir',
    ]);
  });

  it('says what to write instead of a renamed key', () => {
    expect(errorsOf(web('        command: [node]\n        depends_on: [db]\n'))).toEqual([
      'lab.yaml:6:9: hosts.web.processes.server.depends_on: `depends_on` is not a key here; write `dependsOn` instead',
    ]);
  });

  it('rejects a duplicate host', () => {
    const [error] = errorsOf('hosts:\n  web: {}\n  web: {}\n');
    expect(error).toMatch(/^lab\.yaml:3:3: YAML: Map keys must be unique/);
  });

  it('rejects a duplicate address', () => {
    expect(errorsOf('hosts:\n  a: { address: 5 }\n  b: { address: 5 }\n')).toEqual(['lab.yaml:3:17: hosts.b.address: address .5 is already used by host `a`']);
  });

  it('rejects a host alias that is not a host name or that names another host already, at the alias', () => {
    expect(errorsOf('hosts:\n  web:\n    aliases: [web.example, Web_1]\n')).toEqual([
      "lab.yaml:3:28: hosts.web.aliases.1: expected a host name: lowercase letters, digits, '-' and '.'",
    ]);
    expect(errorsOf('hosts:\n  web:\n    aliases: [web.example]\n  api:\n    aliases: [web, web.example]\n')).toEqual([
      'lab.yaml:5:15: hosts.api.aliases.0: alias `web` is the name of host `web`',
      'lab.yaml:5:20: hosts.api.aliases.1: alias `web.example` is already an alias of host `web`',
    ]);
  });

  it('rejects a dependency cycle, naming it', () => {
    const yaml = 'hosts:\n  a:\n    processes:\n      one: { command: [sleep, 1], dependsOn: [b/two] }\n  b:\n    processes:\n      two: { command: [sleep, 1], dependsOn: [a/one] }\n';
    expect(errorsOf(yaml)).toEqual(['lab.yaml:4:46: hosts.a.processes.one.dependsOn: dependency cycle: a/one → b/two → a/one']);
  });

  it('rejects a dependency on a process that does not exist', () => {
    expect(errorsOf(web('        command: [node]\n        dependsOn: [db/main]\n'))).toEqual([
      'lab.yaml:6:21: hosts.web.processes.server.dependsOn.0: no process `db/main`; expected one of: web/server',
    ]);
  });

  it('rejects an unknown variable', () => {
    expect(errorsOf(web('        command: [node, "${NOPE}/x.js"]\n'))[0]).toMatch(/^lab\.yaml:5:25: hosts\.web\.processes\.server\.command\.1: unknown variable \$\{NOPE\}; defined: LAB, /);
  });

  it('rejects a probe with no kind, and a bad duration', () => {
    expect(errorsOf(web('        command: [node]\n        ready: { interval: soon }\n'))).toEqual([
      'lab.yaml:6:16: hosts.web.processes.server.ready: expected exactly one of `http`, `tcp` or `command`',
      'lab.yaml:6:28: hosts.web.processes.server.ready.interval: expected a duration such as 250ms, 2s or 1m, got "soon"',
    ].sort());
  });

  it('rejects Prometheus on a host that does not exist', () => {
    expect(errorsOf('hosts:\n  web: {}\nprometheus:\n  host: metrics\n')).toEqual(['lab.yaml:4:9: prometheus.host: no host `metrics`; expected one of: web']);
  });

  it('reports YAML syntax errors with their position', () => {
    const [error] = errorsOf('hosts:\n  web: [unclosed\n');
    expect(error).toMatch(/^lab\.yaml:\d+:\d+: YAML: /);
  });

  it('asks "did you mean" for a misspelt key', () => {
    expect(errorsOf(web('        command: [node]\n        restat: never\n'))).toEqual([
      'lab.yaml:6:9: hosts.web.processes.server.restat: unknown key `restat`; did you mean `restart`?',
    ]);
  });

  it('reports schema errors and YAML errors of one file together', () => {
    const errors = errorsOf(web('        command: node\n        restart: sometimes\n        user: a\n        user: b\n'));
    expect(errors).toEqual([
      expect.stringMatching(/^lab\.yaml:8:9: YAML: Map keys must be unique/),
      'lab.yaml:5:18: hosts.web.processes.server.command: expected array, got string',
      'lab.yaml:6:18: hosts.web.processes.server.restart: expected one of always, on-failure, never, got "sometimes"',
    ]);
  });
});

describe('a hostile lab definition', () => {
  it('refuses `files:` paths that leave the host\'s directory, pointing at each', () => {
    const files = '        files:\n          ../../x: escaped\n          /etc/cron.d/x: absolute\n          conf/../../y: escaped too\n          conf/../ok.txt: fine\n';
    expect(errorsOf(web(`        command: [node]\n${files}`))).toEqual([
      "lab.yaml:7:11: hosts.web.processes.server.files.../../x: file path `../../x`: `..` leads outside the host's directory; files are written only inside it",
      "lab.yaml:8:11: hosts.web.processes.server.files./etc/cron.d/x: file path `/etc/cron.d/x`: an absolute path; write a path relative to the host's directory (${HOST_DIR})",
      "lab.yaml:9:11: hosts.web.processes.server.files.conf/../../y: file path `conf/../../y`: `..` leads outside the host's directory; files are written only inside it",
    ]);
  });

  it('gives one clear error for exponential aliases ("billion laughs"), without expanding them', () => {
    let yaml = 'x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f'], ['h', 'g'], ['i', 'h']] as const) {
      yaml += `x-${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]\n`;
    }
    // 10^9 nodes expanded would exhaust memory or the test's timeout: refused by count, not by a clock.
    const errors = errorsOf(`${yaml}hosts:\n  web: {}\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^lab\.yaml:\d+:\d+: YAML: aliases expand to more than \d+ copies/);
  });
});

/**
 * This file's own prefix: its namespace diff must not see the other lab tests' instances (they share
 * helpers.ts's prefix and may run at the same time).
 */
const PREFIX = 'pbxn';

describe('starting a malformed lab', () => {
  const rt = runtimeDir();
  afterAll(() => rt.remove());

  async function failedStart(file: string): Promise<DefinitionError[]> {
    const before = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    const r = await startLab({ lab: join(FIXTURES, 'bad', file), prefix: PREFIX, runtimeDir: rt.dir });
    expect(r.ok).toBe(false);
    // Nothing started, nothing left: no instance dir, no new namespace.
    expect(existsSync(rt.dir) ? readdirSync(rt.dir) : []).toEqual([]);
    const after = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    expect(after.split('\n').filter((l) => l.startsWith(PREFIX) && !before.includes(l))).toEqual([]);
    return r.ok ? [] : r.errors;
  }

  it('fails on a command that is not on PATH, naming the file position', async () => {
    const [error, ...rest] = await failedStart('missing-command.yaml');
    expect(rest).toEqual([]);
    expect(formatDefinitionError(error!)).toMatch(/bad\/missing-command\.yaml:5:19: hosts\.web\.processes\.server\.command\.0: command `definitely-not-a-real-program` not found on the lab's PATH/);
  });

  it('fails on a renamed key', async () => {
    const errors = await failedStart('unknown-key.yaml');
    expect(errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual(['7:9 `depends_on` is not a key here; write `dependsOn` instead']);
  });

  it('fails on a dependency cycle', async () => {
    const errors = await failedStart('cycle.yaml');
    expect(errors.map((e) => e.message)).toEqual(['dependency cycle: a/one → b/two → a/one']);
  });
});
