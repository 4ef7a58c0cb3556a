/**
 * One command inside a TerminalRunCommand: `<Command>ls -l</Command>`. Its parent reads the text and the
 * attributes (what the run button waits for and counts as a failure); on its own it renders as inline
 * code so a stray Command is still readable.
 */
import type { ReactNode } from 'react';

export interface CommandProps {
  children?: ReactNode;
  /** The command runs until stopped (a server, `tail -f`): Run types it and does not wait for it to end. */
  keepsRunning?: boolean;
  /** The command is expected to exit with this status. */
  expectExit?: number;
  /** The command is expected to fail (any non-zero status). */
  expectFail?: boolean;
  /** An earlier stage of the command's pipeline may fail without failing the command. */
  allowPipeFailure?: boolean;
  /** How long lesson validation waits for it, in seconds; the page does not use it. */
  timeout?: number;
}

export default function Command({ children }: CommandProps) {
  return <code>{children}</code>;
}
