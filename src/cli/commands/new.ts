/** `patchbay new lesson NAME` / `patchbay new challenge ID`: a lesson page or a challenge entry to start from. */
import { commandHelp, defineCommand, usageError } from '../command.ts';
import { PROJECT_DIR } from '../../lab/loadLab.ts';
import { DEFAULT_LAB } from '../../server/gatewayLab.ts';
import { newChallenge, newLesson } from '../../lessons/scaffold.ts';

const help = commandHelp('new', `lesson NAME [--title TEXT] [--challenge ID] | challenge ID [--lesson ID]

Writes what a lesson or a challenge starts from, which passes validation as written (patchbay test):

  lesson NAME     docs/course/NN-NAME.mdx, numbered after the last lesson: front matter (id NAME), a
                  terminal on the lab's tools host (or its first), a run block and a challenge. The
                  challenge is appended to the lab's challenges.yaml with id NAME, unless --challenge
                  names one that exists.
  challenge ID    appends a challenge to the lab's challenges.yaml: a prompt, a reference the lab can
                  answer (\`sum by (job) (up)\`), an answer that must pass and one that must fail with
                  its hint. --lesson is the id of the lesson that asks it (default: the last lesson).

Then write your own text, commands and query in place of the examples, and preview with npm run dev.

Options:
  --title TEXT     lesson: its title (default: NAME in words)
  --challenge ID   lesson: reference this existing challenge instead of appending a new one
  --lesson ID      challenge: the lesson that asks it
  --lab LAB        the course's lab (default ${DEFAULT_LAB})
  -h, --help       this help

Examples:
  patchbay new lesson retries-and-timeouts --title 'Retries and timeouts'
  patchbay new lesson tcp-keepalive --challenge api-active-connections
  patchbay new challenge ingress-open-connections --lesson connection-metrics`);

const options = {
  title: { type: 'string' },
  challenge: { type: 'string' },
  lesson: { type: 'string' },
  lab: { type: 'string' },
} as const;

export const newCommand = defineCommand({
  name: 'new',
  help,
  options,
  allowPositionals: true,
  async run({ values, positionals }) {
    const [kind, name, ...extra] = positionals;
    if (kind !== 'lesson' && kind !== 'challenge') return usageError('new', kind === undefined ? 'say what to write: lesson NAME or challenge ID' : `new ${kind}? write lesson NAME or challenge ID`);
    if (name === undefined) return usageError('new', `name the ${kind}: patchbay new ${kind} ${kind === 'lesson' ? 'NAME' : 'ID'}`);
    if (extra.length) return usageError('new', `unexpected argument ${extra[0]}`);
    const misplaced = kind === 'lesson' ? (values.lesson !== undefined ? '--lesson' : null) : values.title !== undefined ? '--title' : values.challenge !== undefined ? '--challenge' : null;
    if (misplaced) return usageError('new', `${misplaced} is not an option of new ${kind}`);
    const common = { projectDir: PROJECT_DIR, lab: values.lab ?? DEFAULT_LAB };
    const result =
      kind === 'lesson'
        ? newLesson({ ...common, name, ...(values.title !== undefined && { title: values.title }), ...(values.challenge !== undefined && { challenge: values.challenge }) })
        : newChallenge({ ...common, id: name, ...(values.lesson !== undefined && { lesson: values.lesson }) });
    if (!result.ok) {
      console.error(`patchbay new ${kind}: ${result.message}`);
      return 1;
    }
    console.log(result.message);
    return 0;
  },
});
