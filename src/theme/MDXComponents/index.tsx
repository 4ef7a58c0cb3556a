/**
 * Components every lesson may use without imports. Spread the original map so Docusaurus's own
 * (code blocks, admonitions, headings) keep working.
 */
import MDXComponents from '@theme-original/MDXComponents';
import TerminalVisor from '../../components/TerminalVisor/index.tsx';
import Terminal from '../../components/Terminal/index.tsx';
import TerminalRunCommand from '../../components/TerminalRunCommand/index.tsx';
import Command from '../../components/Command/index.tsx';

export default {
  ...MDXComponents,
  TerminalVisor,
  Terminal,
  TerminalRunCommand,
  Command,
};
