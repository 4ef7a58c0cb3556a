/**
 * `patchbay new lesson|challenge`: a lesson page or a challenge entry to start from, each of which passes
 * validation as written (the loaders, the reference checks, `patchbay test`): the lesson's terminal is on a
 * host the lab has, its command exits 0 anywhere, its challenge exists; the challenge's reference is one
 * every lab with Prometheus can answer (`up`, which Prometheus records for each target it scrapes), with a
 * wrong answer that fails with its hint. What is new is checked with the real loaders before anything is
 * written, so a clash (an id or a file that exists) is an error and nothing is half written.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { formatDefinitionError } from '../definitions/definitionError.ts';
import { CHALLENGES_FILE, parseChallenges } from '../checker/challenges.ts';
import { findLabFile, loadLab } from '../lab/loadLab.ts';
import { COURSE_DIR, listLessons } from './discoverLessons.ts';
import { readLesson } from './readLesson.ts';

/** Lesson and challenge ids: what Docusaurus takes for a doc id and the challenges file for an id. */
export const SCAFFOLD_ID = /^[a-z][a-z0-9-]{0,63}$/;

export interface ScaffoldOptions {
  /** Project holding docs/course and labs/. */
  projectDir: string;
  /** The lab the course runs on (a name under labs/ or a path). */
  lab: string;
}

export type ScaffoldResult = { ok: true; written: string[]; message: string } | { ok: false; message: string };

/** A challenge entry's lines, indented as an item of the `challenges:` list. */
export function challengeEntry(id: string, lesson: string, indent = '  '): string {
  const lines = [
    `- id: ${id}`,
    `  lesson: ${lesson}`,
    `  title: Scrape targets that are up, per job`,
    `  prompt: |`,
    `    How many of each job's scrape targets are up right now? One series per \`job\`.`,
    `  # The answer the checker compares with, by meaning (docs/authoring/challenges.md).`,
    `  reference: sum by (job) (up)`,
    `  mustPass:`,
    `    - count by (job) (up == 1)`,
    `  mustFail:`,
    `    - query: sum(up)`,
    `      hint: aggregation`,
  ];
  return lines.map((l) => `${indent}${l}`).join('\n');
}

function labChallengesFile(options: ScaffoldOptions): string {
  return join(findLabFile(options.lab, options.projectDir), '..', CHALLENGES_FILE);
}

/** The text of challenges.yaml with the new entry appended to its `challenges:` list, or why not. */
function withChallenge(file: string, id: string, lesson: string): { ok: true; text: string } | { ok: false; message: string } {
  if (!existsSync(file)) return { ok: false, message: `${file} does not exist: a lab's challenges file starts as the guide shows (docs/authoring/challenges.md)` };
  const text = readFileSync(file, 'utf8');
  // Appended as text, so the file's comments and layout stay; that needs the list to be the file's last key.
  const lastKey = [...text.matchAll(/^([A-Za-z_][\w-]*):/gm)].at(-1)?.[1];
  if (lastKey !== 'challenges') return { ok: false, message: `${file}: \`challenges:\` must be the file's last key to append to it` };
  const indent = /^(\s*)- id:/m.exec(text.slice(text.lastIndexOf('\nchallenges:')))?.[1] ?? '  ';
  const next = `${text.replace(/\s*$/, '')}\n\n${challengeEntry(id, lesson, indent)}\n`;
  const parsed = parseChallenges(next, file, file);
  if (!parsed.ok) return { ok: false, message: parsed.errors.map(formatDefinitionError).join('\n') };
  return { ok: true, text: next };
}

/** The course's lessons: file, id and number (the file name's prefix), in order. */
function courseLessons(projectDir: string): { file: string; id: string; number: number }[] {
  return listLessons(join(projectDir, COURSE_DIR)).map((file) => ({
    file,
    id: readLesson(readFileSync(file, 'utf8'), file).id,
    number: Number(/^(\d+)[-_.]/.exec(basename(file))?.[1] ?? 0),
  }));
}

export function newChallenge(options: ScaffoldOptions & { id: string; lesson?: string }): ScaffoldResult {
  if (!SCAFFOLD_ID.test(options.id)) return { ok: false, message: `challenge id "${options.id}": lowercase letters, digits and '-', starting with a letter` };
  const lesson = options.lesson ?? courseLessons(options.projectDir).at(-1)?.id;
  if (!lesson) return { ok: false, message: 'no lesson to ask it in: name one with --lesson ID' };
  const file = labChallengesFile(options);
  const r = withChallenge(file, options.id, lesson);
  if (!r.ok) return r;
  writeFileSync(file, r.text);
  const shown = relative(process.cwd(), file) || file;
  return { ok: true, written: [file], message: `appended challenge ${options.id} (lesson ${lesson}) to ${shown}; put it in the lesson with <Challenge id="${options.id}"/>` };
}

export function newLesson(options: ScaffoldOptions & { name: string; title?: string; challenge?: string }): ScaffoldResult {
  const { name, projectDir } = options;
  if (!SCAFFOLD_ID.test(name)) return { ok: false, message: `lesson name "${name}": lowercase letters, digits and '-', starting with a letter (it becomes the page's id and file name)` };
  const lessons = courseLessons(projectDir);
  if (lessons.some((l) => l.id === name)) return { ok: false, message: `a lesson with id ${name} exists: ${lessons.find((l) => l.id === name)!.file}` };
  const loaded = loadLab(options.lab, projectDir);
  if (!loaded.ok) return { ok: false, message: `the lab's definition has errors:\n${loaded.errors.map(formatDefinitionError).join('\n')}` };
  const hosts = Object.keys(loaded.lab.spec.hosts);
  // The tools host, where there is one: lessons type their commands there.
  const host = hosts.includes('tools') ? 'tools' : hosts[0]!;
  const number = Math.max(0, ...lessons.map((l) => l.number)) + 1;
  const file = join(projectDir, COURSE_DIR, `${String(number).padStart(2, '0')}-${name}.mdx`);
  const title = options.title ?? name.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());

  const challengesFile = labChallengesFile(options);
  const challenge = options.challenge ?? name;
  let challengesText: string | null = null;
  if (options.challenge === undefined) {
    const r = withChallenge(challengesFile, challenge, name);
    if (!r.ok) return r;
    challengesText = r.text;
  } else {
    const set = existsSync(challengesFile) ? parseChallenges(readFileSync(challengesFile, 'utf8'), challengesFile) : null;
    if (!set?.ok || !set.set.byId.has(challenge)) return { ok: false, message: `no challenge ${challenge} in ${challengesFile}` };
  }

  const page = `---
id: ${name}
title: ${JSON.stringify(`${number}. ${title}`)}
sidebar_position: ${number}
description: One line on what the learner will see and do (shown in the sidebar's category page and in search).
---

<TerminalVisor>
  <Terminal target="${host}" id="${host}" name="${host[0]!.toUpperCase()}${host.slice(1)}"/>
</TerminalVisor>

Say what this lesson is about and why it matters. The dock at the bottom of the page has a shell on the
lab's \`${host}\` host (the \`<Terminal>\` above); a **Run** button types each \`<Command>\` into it.

<TerminalRunCommand target="${host}">
  <Command>hostname</Command>
</TerminalRunCommand>

## A challenge

The learner answers in PromQL; the checker compares the answer with the challenge's reference by meaning
(labs/${basename(loaded.lab.labDir)}/${CHALLENGES_FILE}, id \`${challenge}\`).

<Challenge id="${challenge}"/>
`;
  if (existsSync(file)) return { ok: false, message: `${file} exists` };
  writeFileSync(file, page);
  const written = [file];
  if (challengesText !== null) {
    writeFileSync(challengesFile, challengesText);
    written.push(challengesFile);
  }
  const shown = (f: string) => relative(process.cwd(), f) || f;
  return {
    ok: true,
    written,
    message: [
      `wrote ${shown(file)} (lesson ${name}, position ${number})`,
      ...(challengesText !== null ? [`appended challenge ${challenge} to ${shown(challengesFile)}`] : []),
      `preview it with npm run dev; validate it with patchbay test ${name}`,
    ].join('\n'),
  };
}
