/**
 * `labs/<lab>/tasks.yaml`: tasks checked on a host, as data (after Killercoda's verify scripts and
 * Instruqt's check scripts). A lesson step asks the learner to change the lab; the task's `check`, a
 * shell command run on one host of the learner's own instance, says whether the change holds (exit 0),
 * and its `hint` is shown when it does not. `solution` is what makes it hold: lesson validation runs it
 * (the check must fail before and pass after), and a learner may ask for it after a failed check.
 * One zod pass, strict keys with renamed-key and did-you-mean hints (src/definitions).
 */
import { z } from 'zod';
import { strictObject, uniqueBy } from '../definitions/strictObject.ts';
import { parseDuration } from '../protocol/promqlDuration.ts';

export const TaskLimits = {
  /** A check is a `test`, a `grep` of a status page, a `sysctl -n`: seconds at most. */
  DEFAULT_TIMEOUT_SECONDS: 10,
  /** A check or solution that needs longer than this is a lesson step, not a check. */
  MAX_TIMEOUT_SECONDS: 60,
} as const;

/** Keys authors bring from Killercoda (`verify`), Instruqt (`check`/`solve` scripts) and our challenges. */
const RENAMED = {
  task: {
    verify: 'check', test: 'check', command: 'check', solve: 'solution', answer: 'solution', reference: 'solution',
    target: 'host', on: 'host', message: 'hint', failMessage: 'hint', fail_message: 'hint', text: 'prompt', description: 'prompt',
  },
  set: { task: 'tasks' },
} as const;

/** A duration in seconds (`10s`, `1m`, or a number of seconds), at most MAX_TIMEOUT_SECONDS. */
const timeout = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const seconds = typeof v === 'number' ? v : parseDuration(v.trim());
  if (seconds === null || seconds <= 0 || seconds > TaskLimits.MAX_TIMEOUT_SECONDS) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a duration from 1s to ${TaskLimits.MAX_TIMEOUT_SECONDS}s, such as 10s, got "${v}"` });
    return z.NEVER;
  }
  return seconds;
});

const script = (what: string) => z.string().trim().min(1, `expected ${what}`);

export const taskSchema = strictObject(
  {
    id: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, "expected an id: lowercase letters, digits and '-', starting with a letter"),
    lesson: z.string().min(1).describe('The lesson (doc id) that asks it.'),
    title: z.string().min(1),
    prompt: z.string().trim().optional().describe('Markdown-free text shown under the title (`code` in backticks); the lesson around it says the rest.'),
    host: z.string().min(1).describe("The lab host (or alias) the check runs on, as root, in the learner's own instance."),
    check: script('a shell command: exit 0 when the task holds').describe('Run with /bin/sh -c on `host`; exit status 0 means the task holds.'),
    hint: z.string().trim().min(1, 'expected what to tell a learner whose check fails').describe('Shown when the check fails.'),
    solution: script('the commands that make the task hold').describe(
      'Commands that make it hold, one per line as a learner would type them on `host`: lesson validation runs them; a learner may see them after a failed check.',
    ),
    timeout: timeout.default(TaskLimits.DEFAULT_TIMEOUT_SECONDS).describe('Limit for the check (and for the solution in validation).'),
  },
  { renamed: RENAMED.task },
);

export const taskSetSchema = strictObject(
  {
    tasks: uniqueBy(z.array(taskSchema).min(1, 'expected at least one task'), 'id', (id, first) => `duplicate id \`${id}\` (also task ${first})`),
  },
  { renamed: RENAMED.set },
);

export type TaskSpec = z.output<typeof taskSchema>;
export type TaskSetSpec = z.output<typeof taskSetSchema>;
