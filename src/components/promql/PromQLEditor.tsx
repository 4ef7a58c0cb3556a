/**
 * A one-box PromQL editor: CodeMirror 6 with @prometheus-io/codemirror-promql 0.42 (the grammar of the
 * lab's Prometheus 2.42), completion of metric and label names from the lab through the gateway's
 * Prometheus pass-through, and inline syntax/type errors from the same package's linter, which reads
 * Grafana's variables as the checker does.
 * Browser only, and heavy (~130 KB gzipped): import it lazily (see ../Challenge/index.tsx).
 */
import { useCallback, useEffect, useEffectEvent, useRef } from 'react';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder as placeholderExt, drawSelection, highlightSpecialChars, tooltips } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { autocompletion, closeBrackets, closeBracketsKeymap, closeCompletion } from '@codemirror/autocomplete';
import { bracketMatching, ensureSyntaxTree, syntaxHighlighting } from '@codemirror/language';
import { lintKeymap } from '@codemirror/lint';
import { LanguageType, PromQLExtension, promQLLanguage, type LintStrategy } from '@prometheus-io/codemirror-promql';
// The package's type checker, which its default linter runs; not re-exported from the package's index.
import { Parser } from '@prometheus-io/codemirror-promql/dist/esm/parser/index.js';
import { PROMETHEUS_PROXY_PREFIX } from '../../protocol/challenges.ts';
import { maskGrafanaVariables } from '../../protocol/grafanaVariables.ts';
import { promqlHighlight } from './promqlHighlight.ts';
import MetricsBrowserFrame from './MetricsBrowser/MetricsBrowserFrame.tsx';
import styles from './PromQLEditor.module.css';

export interface PromQLEditorProps {
  /** Text at mount; later changes flow out through onChange (the editor owns its text). */
  initialValue: string;
  onChange: (query: string) => void;
  /** Ctrl-Enter / Cmd-Enter. */
  onSubmit: () => void;
  /** id of the element that labels the editor (a <label> or heading). */
  labelledBy: string;
  /** id of the element that describes it (instructions, the verdict). */
  describedBy?: string;
  placeholder?: string;
  /** Replaces the text from outside (e.g. "show answer" fills it in); bump `revision` to apply. */
  replacement?: { text: string; revision: number };
}

/** How long completion results (metric and label names) are cached: the lab's names rarely change. */
const COMPLETION_CACHE_MS = 60_000;

/** Parsing a masked copy for the linter: answers are one line, so this is never reached in practice. */
const LINT_PARSE_BUDGET_MS = 500;

/**
 * The package's own lint (its parser and type checker), run on the text with Grafana's variables replaced
 * by stand-ins of the same length: `rate(x[$__rate_interval])` is a right answer, which the checker
 * substitutes, so the editor must not underline it; a real error keeps its position.
 */
const grafanaAwareLint: LintStrategy = {
  promQL: () => (view) => {
    const text = view.state.doc.toString();
    const masked = maskGrafanaVariables(text);
    const state = masked === text ? view.state : EditorState.create({ doc: masked, extensions: promQLLanguage(LanguageType.PromQL) });
    ensureSyntaxTree(state, masked.length, LINT_PARSE_BUDGET_MS);
    const parser = new Parser(state);
    parser.analyze();
    return parser.getDiagnostics();
  },
};

/**
 * Where tooltips (the completion list, lint messages) may be drawn: the window above the terminal dock.
 * The dock covers the bottom of the window and says how much by the page's `scroll-padding-bottom`
 * (src/components/dock/TerminalDock.tsx); without this the list would open below an editor that sits just
 * above the dock, drawn over the terminal, or float over the dock when its editor has scrolled behind it.
 * CodeMirror opens the list above instead, and hides it while its editor is out of this space.
 */
function spaceAboveDock(view: EditorView): { top: number; left: number; right: number; bottom: number } {
  const doc = view.dom.ownerDocument;
  const win = doc.defaultView!;
  const covered = parseFloat(win.getComputedStyle(doc.documentElement).scrollPaddingBottom) || 0;
  return { top: 0, left: 0, right: win.innerWidth, bottom: win.innerHeight - covered };
}

/** One extension per page: it holds the completion cache, so several challenges share one set of requests. */
let sharedPromQL: PromQLExtension | undefined;
function promQL(): PromQLExtension {
  sharedPromQL ??= new PromQLExtension().setLinter(grafanaAwareLint).setComplete({
    remote: {
      url: PROMETHEUS_PROXY_PREFIX,
      // The gateway forwards GET for labels and series (POST only for query*).
      httpMethod: 'GET',
      cache: { maxAge: COMPLETION_CACHE_MS },
      // A lab that is down only means no completion; the Check button reports the lab's state.
      httpErrorHandler: () => undefined,
    },
  });
  return sharedPromQL;
}

export default function PromQLEditor(props: PromQLEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // Handlers change on every render; the editor reads them through a ref so it is built once.
  const handlers = useRef(props);
  handlers.current = props;

  // The editor is built once per mount from the props of that moment; later props reach it through
  // `handlers` and `replacement`.
  const createView = useEffectEvent((parent: HTMLDivElement): EditorView => {
    const submit = (view: EditorView) => {
      // The answer is being checked: a completion list left open would cover the verdict.
      closeCompletion(view);
      handlers.current.onSubmit();
      return true;
    };
    const state = EditorState.create({
      doc: props.initialValue,
      extensions: [
        history(),
        drawSelection(),
        highlightSpecialChars(),
        closeBrackets(),
        bracketMatching(),
        autocompletion(),
        tooltips({ tooltipSpace: spaceAboveDock }),
        syntaxHighlighting(promqlHighlight),
        placeholderExt(props.placeholder ?? ''),
        // Enter and Mod-Enter check the answer (a query is one line); while the completion list is open,
        // autocompletion()'s own higher-precedence keymap takes Enter to accept the suggestion.
        keymap.of([{ key: 'Mod-Enter', run: submit }, { key: 'Enter', run: submit }, ...closeBracketsKeymap, ...historyKeymap, ...lintKeymap, ...defaultKeymap]),
        promQL().asExtension(),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({
          'aria-labelledby': props.labelledBy,
          ...(props.describedBy ? { 'aria-describedby': props.describedBy } : {}),
          'aria-multiline': 'false',
          role: 'textbox',
          spellcheck: 'false',
          autocapitalize: 'off',
          autocorrect: 'off',
          'data-testid': 'promql-input',
        }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) handlers.current.onChange(u.state.doc.toString());
        }),
      ],
    });
    return new EditorView({ state, parent });
  });

  useEffect(() => {
    const v = createView(host.current!);
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
  }, []);

  // A replacement applies once per revision, not again when the text it carried is re-rendered.
  const applyReplacement = useEffectEvent(() => {
    const v = view.current;
    if (!v || props.replacement === undefined) return;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.replacement.text }, selection: { anchor: props.replacement.text.length } });
    v.focus();
  });
  const revision = props.replacement?.revision;
  useEffect(() => {
    applyReplacement();
  }, [revision]);

  // The metrics browser's text goes in at the cursor (over the selection, if any), and the learner types on.
  const insert = useCallback((text: string) => {
    const v = view.current;
    if (!v) return;
    v.dispatch(v.state.replaceSelection(text));
    v.focus();
  }, []);

  return (
    <MetricsBrowserFrame onInsert={insert}>
      <div ref={host} className={styles.editor} />
    </MetricsBrowserFrame>
  );
}
