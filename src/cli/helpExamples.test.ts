/**
 * Every example in every `patchbay NAME --help`: its arguments parse with the command's own option
 * table, every lesson, lab, challenge, host and process it names exists, and the ones that run offline
 * and fast (`check --offline`, `status` with no lab) are run for real and must exit 0.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadChallenges } from '../checker/challenges.ts';
import { findLabFile, PROJECT_DIR } from '../lab/loadLab.ts';
import { discoverLessons } from '../lessons/discoverLessons.ts';
import { readLesson } from '../lessons/readLesson.ts';
import { commands } from './commands/index.ts';
import { parseGatewayArgs } from './commands/serve.ts';
import { SUMMARIES, type CommandName } from './summaries.ts';

const BIN = join(PROJECT_DIR, 'bin/patchbay.mjs');
/** What `patchbay up`, `check` and `test` use without --lab, and the lab `exec` and `logs` examples mean. */
const DEFAULT_LAB = 'connections';
/** Temporary Prometheus directories of the examples run offline start with this, so the test can see they are gone. */
const OFFLINE_PREFIX = `pbhelp${process.pid}`;
/** An empty runtime directory: the examples run "with no lab". Made in a hook, so a file that fails to load leaves none. */
let runtimeDir = '';
beforeAll(() => {
  runtimeDir = mkdtempSync(join(tmpdir(), 'pbhelp-rt-'));
});
afterAll(() => {
  if (runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
});

type Env = Record<string, string>;

function patchbay(args: string[], env: Env = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const childEnv = { ...process.env, PATCHBAY_RUNTIME_DIR: runtimeDir, PATCHBAY_OFFLINE_PREFIX: OFFLINE_PREFIX, ...env };
    execFile(process.execPath, [BIN, ...args], { cwd: PROJECT_DIR, env: childEnv, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Words of one command line as a shell splits them: quotes, backslashes, a `#` comment. Expansions are refused. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === '#' && word === null) {
      break;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated single quote');
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= '';
      for (i++; text[i] !== '"'; i++) {
        if (i >= text.length) throw new Error('unterminated double quote');
        if (text[i] === '\\' && '"\\$`'.includes(text[i + 1] ?? '')) i++;
        else if ('$`'.includes(text[i]!)) throw new Error(`${text[i]} in double quotes: the test does not expand it`);
        word += text[i];
      }
    } else if (c === '\\') {
      word = (word ?? '') + (text[++i] ?? '');
    } else if ('$`|&;<>()*?['.includes(c)) {
      throw new Error(`unquoted ${c}: an example is one command, run as written`);
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

interface Example {
  text: string;
  env: Env;
  argv: string[];
}

/** The `Examples:` section of a help text, in the format `commandHelp` describes; problems instead of throwing. */
function helpExamples(help: string): { examples: Example[]; problems: string[] } {
  const lines = help.split('\n');
  const at = lines.indexOf('Examples:');
  if (at < 0) return { examples: [], problems: ['no line "Examples:"'] };
  const examples: Example[] = [];
  const problems: string[] = [];
  for (let i = at + 1; i < lines.length; i++) {
    let text = lines[i]!;
    // A trailing backslash joins the next line, as in a shell.
    while (text.endsWith('\\') && i + 1 < lines.length) text = text.slice(0, -1) + lines[++i];
    if (!/^ {2}\S/.test(text)) {
      problems.push(`"${text}": each example is on a line of its own, indented two spaces`);
      continue;
    }
    let words: string[];
    try {
      words = shellWords(text);
    } catch (error) {
      problems.push(`"${text.trim()}": ${(error as Error).message}`);
      continue;
    }
    const env: Env = {};
    while (/^[A-Za-z_]\w*=/.test(words[0] ?? '')) {
      const [name, ...value] = words.shift()!.split('=');
      env[name!] = value.join('=');
    }
    if (words[0] !== 'patchbay') problems.push(`"${text.trim()}": not a patchbay command`);
    else examples.push({ text: text.trim().replace(/\s+/g, ' '), env, argv: words.slice(1) });
  }
  return { examples, problems };
}

/** What `parseArgs` gives back for a command's option table. */
interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function labProblems(lab: string): string[] {
  try {
    readFileSync(findLabFile(lab));
    return [];
  } catch {
    return [`no lab ${lab} (neither under labs/ nor a lab.yaml)`];
  }
}

/** Hosts and their processes, from the lab's lab.yaml. */
function hostsOf(lab: string): Map<string, string[]> {
  const spec = parseYaml(readFileSync(findLabFile(lab), 'utf8')) as { hosts?: Record<string, { processes?: Record<string, unknown> }> };
  return new Map(Object.entries(spec.hosts ?? {}).map(([name, h]) => [name, Object.keys(h.processes ?? {})]));
}

function hostProblems(host: string | undefined, processName?: string): string[] {
  if (!host) return ['names no HOST'];
  const hosts = hostsOf(DEFAULT_LAB);
  const processes = hosts.get(host);
  if (!processes) return [`no host ${host} in lab ${DEFAULT_LAB} (hosts: ${[...hosts.keys()].join(', ')})`];
  if (processName !== undefined && !processes.includes(processName)) return [`no process ${processName} on host ${host} (processes: ${processes.join(', ')})`];
  return [];
}

async function challengeProblems(lab: string, id: string | undefined): Promise<string[]> {
  if (!id) return ['names no CHALLENGE'];
  const loaded = await loadChallenges(lab);
  if (!loaded.ok) return [`challenges of ${lab} do not load: ${loaded.errors.map((e) => e.message).join('; ')}`];
  return loaded.set.byId.has(id) ? [] : [`no challenge ${id} in ${lab}`];
}

function gatewayProblems(p: Parsed, args: string[], env: Env): string[] {
  const parsed = parseGatewayArgs(args, env);
  if (!parsed.ok) return [parsed.message];
  return p.values['no-lab'] ? [] : labProblems(str(p.values.lab) ?? DEFAULT_LAB);
}

/** Per command: what an example's arguments name, checked against the tree. Every command has an entry. */
const NAMES: Record<CommandName, (p: Parsed, args: string[], env: Env) => string[] | Promise<string[]>> = {
  test: (p) => {
    const found = discoverLessons(p.positionals, PROJECT_DIR, PROJECT_DIR);
    return [...labProblems(str(p.values.lab) ?? DEFAULT_LAB), ...(found.ok ? [] : [found.message])];
  },
  up: (p) => labProblems(p.positionals[0] ?? DEFAULT_LAB),
  // INSTANCE ids exist only while a lab runs; nothing else to look up.
  down: () => [],
  status: () => [],
  exec: (p) => [...hostProblems(p.positionals[0]), ...(p.positionals.length < 2 ? ['names no CMD'] : [])],
  logs: (p) => hostProblems(p.positionals[0], p.positionals[1]),
  check: async (p) => [
    ...(str(p.values.query) === undefined ? ['gives no --query'] : []),
    ...(await challengeProblems(str(p.values.lab) ?? DEFAULT_LAB, p.positionals[0])),
  ],
  new: async (p) => {
    const [kind, name] = p.positionals;
    const lab = str(p.values.lab) ?? DEFAULT_LAB;
    const lessons = discoverLessons([], PROJECT_DIR, PROJECT_DIR);
    const lessonIds = lessons.ok ? lessons.files.map((f) => readLesson(readFileSync(join(PROJECT_DIR, f), 'utf8'), f).id) : [];
    const challenges = await loadChallenges(lab);
    const ids = challenges.ok ? [...challenges.set.byId.keys()] : [];
    if (!name) return ['names no NAME or ID'];
    if (kind === 'lesson') {
      const given = str(p.values.challenge);
      return [
        ...(lessonIds.includes(name) ? [`lesson ${name} exists already`] : []),
        ...(given === undefined ? (ids.includes(name) ? [`challenge ${name} exists already`] : []) : await challengeProblems(lab, given)),
      ];
    }
    if (kind === 'challenge') {
      const lesson = str(p.values.lesson);
      return [...(ids.includes(name) ? [`challenge ${name} exists already`] : []), ...(lesson === undefined || lessonIds.includes(lesson) ? [] : [`no lesson ${lesson}`])];
    }
    return [`new ${String(kind)}: neither lesson nor challenge`];
  },
  serve: gatewayProblems,
  dev: gatewayProblems,
  // Asks a running hosted gateway; nothing in the tree to look up.
  invite: () => [],
};

/** Per command: whether an example runs offline and fast, so the test runs it (with no lab running). */
const RUNS: Partial<Record<CommandName, (p: Parsed) => boolean>> = {
  check: (p) => p.values.offline === true,
  status: () => true,
};

const loaded = await Promise.all(commands.map(async (entry) => ({ name: entry.name, command: await entry.load() })));

describe('patchbay --help', () => {
  it('lists every command with its summary from the one table, and each command has its checks here', async () => {
    const r = await patchbay(['--help']);
    expect(r.code).toBe(0);
    const listed = r.stdout.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim().replace(/\s+/, ' '));
    expect(listed).toEqual(Object.entries(SUMMARIES).map(([name, summary]) => `${name} ${summary}`));
    expect(loaded.map((c) => c.name)).toEqual(Object.keys(SUMMARIES));
    expect(Object.keys(NAMES).sort()).toEqual(Object.keys(SUMMARIES).sort());
  });
});

for (const { name, command } of loaded) {
  describe(`patchbay ${name} --help`, () => {
    const { examples, problems } = helpExamples(command.help);

    it('prints the help the examples are taken from, with the summary from the one table', async () => {
      const r = await patchbay([name, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${command.help}\n`);
      expect(r.stdout.split('\n')[2]).toBe(`${SUMMARIES[name]}.`);
    });

    it('ends with an Examples section of patchbay commands', () => {
      expect(problems).toEqual([]);
      expect(examples.length).toBeGreaterThan(0);
    });

    for (const example of examples) {
      it(`example: ${example.text}`, async () => {
        expect(example.argv[0]).toBe(name);
        const args = example.argv.slice(1);
        let parsed: Parsed | undefined;
        expect(() => (parsed = parseArgs({ args, options: command.options, allowPositionals: command.allowPositionals, strict: true }))).not.toThrow();
        expect(await NAMES[name](parsed!, args, example.env)).toEqual([]);
        if (!RUNS[name]?.(parsed!)) return;
        const r = await patchbay(example.argv, example.env);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
        expect(readdirSync(tmpdir()).filter((n) => n.startsWith(OFFLINE_PREFIX))).toEqual([]);
      });
    }
  });
}

describe('the example parser', () => {
  it('splits words as a shell does and refuses what it would expand', () => {
    expect(shellWords(`check x -q 'a{b="c"}[$__rate_interval]' --lab "my lab" a\\ b # comment`)).toEqual(['check', 'x', '-q', 'a{b="c"}[$__rate_interval]', '--lab', 'my lab', 'a b']);
    expect(() => shellWords('status | head')).toThrow(/unquoted \|/);
    expect(() => shellWords('check "$Q"')).toThrow(/in double quotes/);
    expect(() => shellWords("check 'x")).toThrow(/unterminated/);
  });

  it('takes the Examples section, joins continued lines, and reports lines that are not examples', () => {
    const help = 'Usage: patchbay up\n\nExamples:\n  patchbay up a \\\n    --detach\n  PORT=1 patchbay serve\n  npm test\nmore text';
    const { examples, problems } = helpExamples(help);
    expect(examples).toEqual([
      { text: 'patchbay up a --detach', env: {}, argv: ['up', 'a', '--detach'] },
      { text: 'PORT=1 patchbay serve', env: { PORT: '1' }, argv: ['serve'] },
    ]);
    expect(problems).toEqual(['"npm test": not a patchbay command', '"more text": each example is on a line of its own, indented two spaces']);
    expect(helpExamples('Usage: patchbay x\n\nExample: patchbay x').problems).toEqual(['no line "Examples:"']);
  });
});
