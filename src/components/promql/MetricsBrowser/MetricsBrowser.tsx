/**
 * The metrics browser, as Grafana's and Prometheus' own: the lab's metrics with their HELP and TYPE,
 * filtered by typing → the labels of the chosen metric → a label's values (several may be chosen) → the
 * selector they make, inserted into the editor as it is or as a rate query (offered for counters only,
 * with the reason when not). Everything it asks goes to the learner's own lab through metricsApi.ts.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { ClientError } from '../../api/apiClient.ts';
import Message from '../Message.tsx';
import { loadCatalog, loadLabels, loadValues, type MetricCatalog } from './metricsApi.ts';
import OptionList, { listKeyDown, optionId } from './OptionList.tsx';
import { buildRateQuery, buildSelector, rateAdvice, resolveMetadata, type LabelChoices } from './selectorText.ts';
import styles from './styles.module.css';

export const MetricsBrowserLimits = {
  /** Metrics drawn at once; the rest are reached by typing (a lab has a few hundred, a real Prometheus thousands). */
  MAX_METRICS_SHOWN: 100,
  /** Label values drawn at once, likewise (an address or path label can have very many). */
  MAX_VALUES_SHOWN: 100,
} as const;

const NO_NAMES: readonly string[] = [];

type Loaded<T> = { state: 'loading' } | { state: 'error'; error: ClientError } | { state: 'ready'; value: T };

/** Case-insensitive; every word typed must appear in the name. */
export function filterNames(names: readonly string[], filter: string): string[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const hits = names.filter((n) => words.every((w) => n.toLowerCase().includes(w)));
  // The name typed in full comes first.
  const exact = hits.indexOf(filter.trim());
  if (exact > 0) hits.unshift(...hits.splice(exact, 1));
  return hits;
}

/** Runs `load` whenever `key` changes (null: nothing to load), dropping answers to earlier keys. */
function useLoaded<T>(key: string | null, load: (signal: AbortSignal) => Promise<{ ok: true; value: T } | { ok: false; error: ClientError }>, retry: number): Loaded<T> | null {
  const [loaded, setLoaded] = useState<{ key: string; value: Loaded<T> } | null>(null);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    if (key === null) return;
    const abort = new AbortController();
    setLoaded({ key, value: { state: 'loading' } });
    void loader.current(abort.signal).then((r) => {
      if (!abort.signal.aborted) setLoaded({ key, value: r.ok ? { state: 'ready', value: r.value } : { state: 'error', error: r.error } });
    });
    return () => abort.abort();
  }, [key, retry]);
  if (key === null) return null;
  return loaded?.key === key ? loaded.value : { state: 'loading' };
}

function Status({ loaded, what, onRetry }: { loaded: Loaded<unknown>; what: string; onRetry: () => void }) {
  if (loaded.state === 'loading') return <p role="status" className={styles.note}>Loading {what}…</p>;
  if (loaded.state === 'error') {
    return (
      <div role="alert" className={styles.error}>
        Could not load {what}: <Message text={loaded.error.message} />{' '}
        <button type="button" className="button button--sm button--link" onClick={onRetry}>
          Retry
        </button>
      </div>
    );
  }
  return null;
}

export interface MetricsBrowserProps {
  id: string;
  /** The text to insert at the editor's cursor. */
  onUse: (text: string) => void;
  /** Escape: close without inserting. */
  onClose: () => void;
}

export default function MetricsBrowser({ id, onUse, onClose }: MetricsBrowserProps) {
  const ids = { metrics: `${id}-metrics`, labels: `${id}-labels`, values: `${id}-values`, filter: `${id}-filter`, rateWhy: `${id}-rate-why` };
  const [retry, setRetry] = useState(0);
  const again = () => setRetry((n) => n + 1);
  const catalog = useLoaded<MetricCatalog>('catalog', loadCatalog, retry);

  const [filter, setFilter] = useState('');
  const [activeMetric, setActiveMetric] = useState(0);
  const [metric, setMetric] = useState<string | null>(null);
  const [activeLabel, setActiveLabel] = useState(0);
  const [label, setLabel] = useState<string | null>(null);
  const [valueFilter, setValueFilter] = useState('');
  const [activeValue, setActiveValue] = useState(0);
  const [choices, setChoices] = useState<LabelChoices>([]);
  const labelsList = useRef<HTMLDivElement>(null);
  const valuesList = useRef<HTMLDivElement>(null);
  const filterBox = useRef<HTMLInputElement>(null);
  const [focusNext, setFocusNext] = useState<'labels' | 'values' | null>(null);

  const names = catalog?.state === 'ready' ? catalog.value.names : NO_NAMES;
  const matching = useMemo(() => filterNames(names, filter), [names, filter]);
  const shown = matching.slice(0, MetricsBrowserLimits.MAX_METRICS_SHOWN);
  const metadata = catalog?.state === 'ready' ? catalog.value.metadata : new Map();

  const labels = useLoaded<string[]>(metric, (signal) => loadLabels(metric!, signal), retry);
  // A label's values among the series the other chosen labels already select.
  const others = choices.filter(([l]) => l !== label);
  const valuesSelector = metric === null ? null : buildSelector(metric, others);
  const values = useLoaded<string[]>(label === null || valuesSelector === null ? null : `${label}\n${valuesSelector}`, (signal) => loadValues(label!, valuesSelector!, signal), retry);
  const matchingValues = useMemo(() => (values?.state === 'ready' ? filterNames(values.value, valueFilter) : []), [values, valueFilter]);
  const shownValues = matchingValues.slice(0, MetricsBrowserLimits.MAX_VALUES_SHOWN);
  const chosenValues = choices.find(([l]) => l === label)?.[1] ?? [];

  useEffect(() => filterBox.current?.focus(), []);
  // Choosing moves the keyboard on to the next column once it is drawn.
  useEffect(() => {
    const target = focusNext === 'labels' ? labelsList.current : focusNext === 'values' ? valuesList.current : null;
    const list = target?.querySelector<HTMLElement>('[role="listbox"]');
    if (list) {
      list.focus();
      setFocusNext(null);
    }
  }, [focusNext, labels, values]);

  const chooseMetric = (name: string) => {
    setMetric(name);
    setLabel(null);
    setChoices([]);
    setActiveLabel(0);
    setFocusNext('labels');
  };
  const chooseLabel = (name: string) => {
    setLabel(name);
    setValueFilter('');
    setActiveValue(0);
    setFocusNext('values');
  };
  const toggleValue = (value: string) => {
    if (label === null) return;
    const now = chosenValues.includes(value) ? chosenValues.filter((v) => v !== value) : [...chosenValues, value];
    const at = choices.findIndex(([l]) => l === label);
    const next: LabelChoices = at < 0 ? [...choices, [label, now]] : choices.map((c, i) => (i === at ? ([label, now] as const) : c));
    setChoices(next.filter(([, v]) => v.length > 0));
  };

  const described = metric === null ? undefined : resolveMetadata(metric, metadata);
  const advice = metric === null ? null : rateAdvice(metric, described);
  const selector = metric === null ? '' : buildSelector(metric, choices);
  const countOf = (l: string) => choices.find(([c]) => c === l)?.[1].length ?? 0;

  return (
    <section
      id={id}
      aria-label="Metrics browser"
      className={styles.browser}
      data-testid="metrics-browser"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <div className={styles.columns}>
        <div className={styles.column}>
          <label htmlFor={ids.filter} className={styles.heading}>
            1. Metric
          </label>
          <input
            id={ids.filter}
            ref={filterBox}
            type="search"
            className={styles.filter}
            placeholder="Type to filter"
            role="combobox"
            aria-autocomplete="list"
            aria-expanded={shown.length > 0}
            aria-controls={ids.metrics}
            aria-activedescendant={shown.length > 0 ? optionId(ids.metrics, Math.min(activeMetric, shown.length - 1)) : undefined}
            autoComplete="off"
            spellCheck={false}
            value={filter}
            onChange={(e) => {
              setFilter(e.target.value);
              setActiveMetric(0);
            }}
            onKeyDown={(e) => {
              if (listKeyDown(e, { active: activeMetric, setActive: setActiveMetric, count: shown.length, choose: (i) => chooseMetric(shown[i]!) }, { space: false })) e.preventDefault();
            }}
          />
          {catalog && <Status loaded={catalog} what="the lab's metrics" onRetry={again} />}
          {catalog?.state === 'ready' && (
            <>
              <OptionList
                id={ids.metrics}
                label="Metrics"
                focusable={false}
                items={shown}
                keyOf={(n) => n}
                isSelected={(n) => n === metric}
                active={activeMetric}
                setActive={setActiveMetric}
                count={shown.length}
                choose={(i) => chooseMetric(shown[i]!)}
                render={(n) => {
                  const m = resolveMetadata(n, metadata);
                  return (
                    <>
                      <span className={styles.name}>{n}</span> {m && <span className={styles.type}>{m.type}</span>}
                      {m?.help && <span className={styles.help}>{m.help}</span>}
                    </>
                  );
                }}
              />
              <p className={styles.note} aria-live="polite">
                {matching.length === 0
                  ? names.length === 0
                    ? 'The lab has no metrics yet.'
                    : 'No metric matches.'
                  : matching.length > shown.length
                    ? `${matching.length - shown.length} more, type to filter`
                    : `${matching.length} metric${matching.length === 1 ? '' : 's'}`}
              </p>
            </>
          )}
        </div>

        <div className={styles.column} ref={labelsList}>
          <span className={styles.heading}>2. Labels</span>
          {metric === null ? (
            <p className={styles.note}>Choose a metric to see its labels.</p>
          ) : (
            labels && (
              <>
                <Status loaded={labels} what={`the labels of ${metric}`} onRetry={again} />
                {labels.state === 'ready' &&
                  (labels.value.length === 0 ? (
                    <p className={styles.note}>{metric} has no labels.</p>
                  ) : (
                    <OptionList
                      id={ids.labels}
                      label={`Labels of ${metric}`}
                      items={labels.value}
                      keyOf={(l) => l}
                      isSelected={(l) => l === label}
                      active={activeLabel}
                      setActive={setActiveLabel}
                      count={labels.value.length}
                      choose={(i) => chooseLabel(labels.value[i]!)}
                      render={(l) => (
                        <>
                          <span className={styles.name}>{l}</span>
                          {countOf(l) > 0 && <span className={styles.type}>{countOf(l)} chosen</span>}
                        </>
                      )}
                    />
                  ))}
              </>
            )
          )}
        </div>

        <div className={styles.column} ref={valuesList}>
          <span className={styles.heading}>3. Values{label && ` of ${label}`}</span>
          {label === null ? (
            <p className={styles.note}>Choose a label to see its values.</p>
          ) : (
            values && (
              <>
                <input
                  type="search"
                  className={styles.filter}
                  placeholder="Type to filter"
                  aria-label={`Filter values of ${label}`}
                  autoComplete="off"
                  spellCheck={false}
                  value={valueFilter}
                  onChange={(e) => {
                    setValueFilter(e.target.value);
                    setActiveValue(0);
                  }}
                />
                <Status loaded={values} what={`the values of ${label}`} onRetry={again} />
                {values.state === 'ready' && (
                  <>
                    <OptionList
                      id={ids.values}
                      label={`Values of ${label}`}
                      multiselectable
                      items={shownValues}
                      keyOf={(v) => v}
                      isSelected={(v) => chosenValues.includes(v)}
                      active={activeValue}
                      setActive={setActiveValue}
                      count={shownValues.length}
                      choose={(i) => toggleValue(shownValues[i]!)}
                      render={(v) => (
                        <>
                          <span aria-hidden="true" className={styles.check}>
                            {chosenValues.includes(v) ? '☑' : '☐'}
                          </span>{' '}
                          <span className={styles.name}>{v === '' ? '(empty)' : v}</span>
                        </>
                      )}
                    />
                    <p className={styles.note}>
                      {matchingValues.length > shownValues.length
                        ? `${matchingValues.length - shownValues.length} more, type to filter`
                        : matchingValues.length === 0
                          ? 'No value matches.'
                          : 'Enter or Space picks a value; several make a regex.'}
                    </p>
                  </>
                )}
              </>
            )
          )}
        </div>
      </div>

      {metric !== null && (
        <div className={styles.result}>
          <div data-testid="metric-info" className={styles.info}>
            <code>{metric}</code>{' '}
            {described ? (
              <>
                <span className={styles.type} data-testid="metric-type">
                  TYPE {described.type}
                  {described.suffix && ` (${described.suffix.slice(1)} series of ${described.family})`}
                </span>{' '}
                <span data-testid="metric-help">{described.help || 'No HELP text: the exporter publishes none.'}</span>
              </>
            ) : (
              <span data-testid="metric-help">No metadata: Prometheus has no HELP or TYPE for this metric.</span>
            )}
          </div>
          <p className={styles.selector}>
            Selector: <output data-testid="metrics-browser-selector">{selector}</output>
          </p>
          <div className={styles.actions}>
            <button type="button" className="button button--sm button--primary" onClick={() => onUse(selector)}>
              Use as selector
            </button>
            <button
              type="button"
              className="button button--sm button--secondary"
              aria-disabled={!advice?.offered}
              aria-describedby={advice?.offered ? undefined : ids.rateWhy}
              onClick={() => {
                if (advice?.offered) onUse(buildRateQuery(metric, choices));
              }}
            >
              Use as rate query
            </button>
          </div>
          {advice && !advice.offered && (
            <p id={ids.rateWhy} className={styles.note} data-testid="rate-disabled-reason">
              {advice.reason}
            </p>
          )}
        </div>
      )}
    </section>
  );
}

/** Ids for a browser and its toggle button (React's useId, without the colons CSS selectors trip on). */
export function useBrowserId(): string {
  return `mb${useId().replace(/:/g, '')}`;
}
