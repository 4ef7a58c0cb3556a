/**
 * `<TerminalRunCommand target="TERMINAL_ID"><Command>…</Command></TerminalRunCommand>`: shows the
 * commands as a code block (with the theme's copy button) and a Run button that types them into the
 * named terminal, each once the one before has ended (src/components/dock/dockStore.ts), and brings
 * that terminal forward. The button reads "Running…" until the block ends, then says how it ended
 * when that is worth saying: a failed command and its status, or a command left running.
 */
import { useState, type ReactNode } from 'react';
import CodeBlock from '@theme/CodeBlock';
import { blockKey, dockStore, useDockState, type RunOutcome } from '../dock/dockStore.ts';
import { PromptWaitDefaults } from '../dock/promptWaiter.ts';
import { commandsOf } from './commandText.ts';
import styles from './styles.module.css';

export interface TerminalRunCommandProps {
  target: string;
  children?: ReactNode;
}

/** What the button's tooltip says the Run button will do, by what the terminal's shell tells the page. */
function runTitle(target: string, promptMarks: boolean | undefined): string {
  const base = `Run in terminal ${target}`;
  if (promptMarks !== false) return `${base}: each command is typed once the one before has finished`;
  const cap = PromptWaitDefaults.SETTLE_MAX_MS / 1000;
  return `${base}. This shell does not mark its prompts, so each command is typed once its output has been quiet for a moment (or after ${cap} s), and a failed command cannot be told`;
}

function Outcome({ outcome }: { outcome: RunOutcome }) {
  switch (outcome.kind) {
    case 'done':
      return null;
    case 'failed': {
      const rest = outcome.notTyped === 0 ? '' : outcome.notTyped === 1 ? '; the command after it was not run' : `; the ${outcome.notTyped} commands after it were not run`;
      return (
        <p className={styles.problem} role="alert" data-testid="run-outcome">
          ✗ <code>{outcome.command}</code> {outcome.problem}
          {rest}.
        </p>
      );
    }
    case 'stopped':
      return (
        <p className={styles.problem} role="alert" data-testid="run-outcome">
          ✗ Stopped{outcome.command ? <> at <code>{outcome.command}</code></> : null}: {outcome.reason}.
        </p>
      );
    case 'left-running':
      return (
        <p className={styles.note} data-testid="run-outcome">
          <code>{outcome.command}</code> keeps running; press Ctrl-C in the terminal to stop it.
        </p>
      );
  }
}

export default function TerminalRunCommand({ target, children }: TerminalRunCommandProps) {
  const commands = commandsOf(children);
  const dock = useDockState();
  const promptMarks = dock.promptMarks[target];
  // In the dock's store, not here: the block runs on when the learner leaves the page and comes back.
  const block = dock.blocks[blockKey(target, commands)];
  const running = block?.kind === 'running';
  const outcome = block?.kind === 'ended' ? block.outcome : null;
  const [problem, setProblem] = useState<string | null>(null);
  const run = () => {
    // Until the block ends the button is disabled: a second click would only queue a second copy behind it.
    const result = dockStore.run(target, commands);
    setProblem(result ? null : `No terminal with id "${target}" is declared on this page.`);
  };
  return (
    <div className={styles.wrapper} data-testid="run-command" data-target={target}>
      <div className={styles.runCommand}>
        <div className={styles.code}>
          <CodeBlock language="shell">{commands.map((c) => c.text).join('\n')}</CodeBlock>
        </div>
        <button
          type="button"
          className={styles.run}
          onClick={run}
          disabled={running}
          aria-label={`Run in terminal ${target}`}
          title={runTitle(target, promptMarks)}
        >
          {running ? 'Running…' : '▶ Run'}
        </button>
      </div>
      {problem && (
        <p className={styles.problem} role="alert">
          {problem}
        </p>
      )}
      {outcome && <Outcome outcome={outcome} />}
    </div>
  );
}
