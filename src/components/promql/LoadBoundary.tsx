/**
 * Catches a lazy chunk that fails to load (the site was rebuilt while the page was open, or the network
 * dropped) so one component shows a message instead of React unmounting the whole lesson page.
 */
import { Component, type ReactNode } from 'react';

interface Props {
  /** What failed to load, for the message: "the challenge editor", "the graph". */
  what: string;
  children: ReactNode;
}

export default class LoadBoundary extends Component<Props, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return (
      <p role="alert">
        Could not load {this.props.what}. Reload the page to try again.
      </p>
    );
  }
}
