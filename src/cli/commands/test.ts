/** `patchbay test [LESSON…]`: lesson validation. A thin shell over src/lessons/runLessons.ts. */
import { commandHelp, defineCommand, usageError } from '../command.ts';
import { PROJECT_DIR } from '../../lab/loadLab.ts';
import { discoverLessons, COURSE_DIR } from '../../lessons/discoverLessons.ts';
import { LessonRunDefaults, runLessons, type RunEvent } from '../../lessons/runLessons.ts';
import { formatLessonHeader, formatNotRun, formatStep, formatSummary, reportFailed } from '../../lessons/report.ts';

/** The course's lab. */
const DEFAULT_LAB = 'connections';
/** Lab instances and terminal cgroups of lesson runs carry this prefix, apart from `patchbay up`'s. */
const RUN_PREFIX = 'pbtst';

const help = commandHelp('test', `[OPTIONS] [LESSON…]

Validates lessons end to end: checks every reference (terminals, hosts, challenges, graph queries)
with file:line:column (any error stops the run before a lab starts), brings up a fresh lab, types
every run-command into a real terminal of its host in order (a non-zero exit of any pipeline stage
fails unless the lesson marks it with expectExit/expectFail/allowPipeFailure; after each block it
types at the prompt and requires the keys to show), asserts every challenge (reference passes; the
data holds what it needs; empty, wrong, must-fail answers and generated mutants fail), runs every
task's check before its solution (must fail) and after it (must hold), and checks
every graph shows data as the page requests it. Exits 1 on any failure or lesson not run.

LESSON is a path, a directory, or a lesson's file name or id (e.g. 01-connection-metrics or
connection-metrics). Without one, every lesson under ${COURSE_DIR}/ runs, in order.

Options:
  --lab NAME         lab to run against (default ${DEFAULT_LAB})
  --offline          no lab: check references, assert challenges on the checker's offline
                     fixture; commands and graphs are skipped
  --keep-lab         leave the lab running afterwards (prints its instance id)
  --timeout SECONDS  default per-command limit (default ${LessonRunDefaults.COMMAND_TIMEOUT_SECONDS}; a <Command timeout={N}> overrides)
  --no-color         plain output (also when NO_COLOR is set or output is not a terminal)
  -h, --help         this text

\`npm run test:lessons\` builds the lab's programs and runs \`patchbay test\`.

Examples:
  patchbay test                                            # every lesson, in order
  patchbay test 03-pools-and-circuit-breaking --keep-lab   # one lesson; leave its lab up afterwards
  patchbay test --offline                                  # no lab: references, challenges on the fixture`);

const options = {
  lab: { type: 'string', default: DEFAULT_LAB },
  offline: { type: 'boolean', default: false },
  'keep-lab': { type: 'boolean', default: false },
  timeout: { type: 'string' },
  'no-color': { type: 'boolean', default: false },
} as const;

export const test = defineCommand({
  name: 'test',
  help,
  options,
  allowPositionals: true,
  async run({ values, positionals }) {
    const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
    if (timeout !== undefined && !(timeout > 0)) return usageError('test', `--timeout expects a positive number of seconds, got ${values.timeout}`);
    const found = discoverLessons(positionals, PROJECT_DIR);
    if (!found.ok) return usageError('test', found.message);
    // A reader that goes away (`patchbay test | head`) must not kill the run before it cleans up.
    process.stdout.on('error', () => {});
    const color = !values['no-color'] && !process.env.NO_COLOR && process.stdout.isTTY === true;
    const print = (e: RunEvent) => {
      if (e.kind === 'progress') console.log(`  … ${e.message}`);
      else if (e.kind === 'setup' || e.kind === 'step') console.log(formatStep(e.step, { color }));
      else if (e.kind === 'lesson') console.log(formatLessonHeader(e.file, e.title));
      else if (e.kind === 'lesson-done' && e.lesson.notRun !== undefined) console.log(formatNotRun(e.lesson, { color }));
    };
    console.log(`Validating ${found.files.length} lesson(s) against lab ${values.lab}${values.offline ? ' (offline)' : ''}`);
    const report = await runLessons({
      files: found.files,
      lab: values.lab!,
      offline: values.offline!,
      keepLab: values['keep-lab']!,
      prefix: RUN_PREFIX,
      ...(timeout !== undefined && { commandTimeoutSeconds: timeout }),
      onEvent: print,
    });
    console.log(formatSummary(report, { color }));
    return reportFailed(report) ? 1 : 0;
  },
});
