/**
 * One positioned error type for every definition file (lab.yaml, challenges.yaml, lesson references,
 * the sidecar's config) and one formatter, `file:line:column: path: message`, the form editors and
 * terminals turn into links.
 */

/** A 1-based place in a file. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export interface DefinitionError extends SourcePosition {
  /** Where in the definition, e.g. `hosts.api.processes.web.restart`; empty for the file as a whole. */
  path: string;
  message: string;
}

export function formatDefinitionError(e: DefinitionError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

/** Order for reading a list of errors top to bottom. */
export function byPosition(a: SourcePosition, b: SourcePosition): number {
  return a.line - b.line || a.column - b.column;
}
