// lezer-promql 0.42's package.json `exports` has no `types` condition, so NodeNext resolution finds no
// declarations; this points it at the parser's real type.
declare module '@prometheus-io/lezer-promql' {
  export const parser: import('@lezer/lr').LRParser;
}
