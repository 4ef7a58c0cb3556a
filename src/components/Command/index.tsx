/**
 * One command inside a TerminalRunCommand: `<Command>ls -l</Command>`. Its parent reads the text;
 * on its own it renders as inline code so a stray Command is still readable.
 */
import type { ReactNode } from 'react';

export default function Command({ children }: { children?: ReactNode }) {
  return <code>{children}</code>;
}
