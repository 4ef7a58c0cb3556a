/**
 * Syntax colours for PromQL in the editor, taken from CSS variables (set in PromQLEditor.module.css for
 * the light and the dark theme) so that switching the site's theme recolours open editors at once.
 * Tags are the ones @prometheus-io/lezer-promql assigns.
 */
import { HighlightStyle } from '@codemirror/language';
import { tags } from '@lezer/highlight';

export const promqlHighlight = HighlightStyle.define([
  { tag: tags.function(tags.variableName), color: 'var(--pb-hl-function)' },
  { tag: [tags.operatorKeyword, tags.modifier, tags.logicOperator], color: 'var(--pb-hl-keyword)' },
  { tag: tags.labelName, color: 'var(--pb-hl-label)' },
  { tag: tags.string, color: 'var(--pb-hl-string)' },
  { tag: tags.number, color: 'var(--pb-hl-number)' },
  { tag: tags.comment, color: 'var(--pb-hl-comment)', fontStyle: 'italic' },
  { tag: tags.invalid, color: 'var(--pb-hl-invalid)' },
]);
