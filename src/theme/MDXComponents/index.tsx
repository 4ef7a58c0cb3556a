/**
 * Components every lesson may use without imports. Spread the original map so Docusaurus's own
 * (code blocks, admonitions, headings) keep working.
 */
import MDXComponents from '@theme-original/MDXComponents';
import TerminalVisor from '../../components/TerminalVisor/index.tsx';
import Terminal from '../../components/Terminal/index.tsx';
import TerminalRunCommand from '../../components/TerminalRunCommand/index.tsx';
import Command from '../../components/Command/index.tsx';
import Challenge from '../../components/Challenge/index.tsx';
import ChallengeProgress from '../../components/Challenge/ChallengeProgress.tsx';
import MetricsGraph from '../../components/MetricsGraph/index.tsx';
import Dashboard from '../../components/Dashboard/index.tsx';
import Task from '../../components/Task/index.tsx';
import WebTab from '../../components/WebTab/index.tsx';
import type { ReactNode } from 'react';

export default {
  ...MDXComponents,
  TerminalVisor,
  Terminal,
  TerminalRunCommand,
  Command,
  Challenge,
  MetricsGraph,
  Dashboard,
  Task,
  WebTab,
  // Every page ends with "Challenges on this page: n of m done"; it renders nothing on pages without one.
  wrapper: ({ children }: { children?: ReactNode }) => (
    <>
      {children}
      <ChallengeProgress />
    </>
  ),
};
