/** Reads the commands out of TerminalRunCommand's children: the text and attributes of each `<Command>`, in order. */
import { Children, isValidElement, type ReactNode } from 'react';
import { SUCCESS, type ExpectedExit } from '../../protocol/commandExpectation.ts';
import type { CommandProps } from '../Command/index.tsx';
import type { RunCommand } from '../dock/dockStore.ts';

export function textOf(node: ReactNode): string {
  if (node === null || node === undefined || typeof node === 'boolean') return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  if (isValidElement<{ children?: ReactNode }>(node)) return textOf(node.props.children);
  return '';
}

/** `expectExit={N}`: exactly N; bare `expectFail`: any non-zero (`expectFail={false}`: 0); neither: 0. As lesson validation reads them. */
function expectationOf(props: CommandProps): ExpectedExit {
  if (typeof props.expectExit === 'number') return { kind: 'code', code: props.expectExit };
  if (props.expectFail === true) return { kind: 'nonzero' };
  return SUCCESS;
}

/**
 * Every element child is one command (MDX may wrap loose text in paragraphs; those count too, with no
 * attributes). Whitespace around a command is trimmed; MDX line breaks inside one command become spaces.
 */
export function commandsOf(children: ReactNode): RunCommand[] {
  const commands: RunCommand[] = [];
  Children.forEach(children, (child) => {
    if (!isValidElement<CommandProps>(child)) return;
    const text = textOf(child).replace(/\s*\n\s*/g, ' ').trim();
    if (!text) return;
    const props = child.props;
    commands.push({
      text,
      expect: expectationOf(props),
      keepsRunning: props.keepsRunning === true,
      allowPipeFailure: props.allowPipeFailure === true,
    });
  });
  return commands;
}
