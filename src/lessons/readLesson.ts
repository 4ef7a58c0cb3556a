/**
 * Reads a lesson's MDX into a LessonPlan with the parser and syntax extensions Docusaurus 3 itself
 * uses (remark-parse + front matter + directives + GFM + MDX), so what we find, and where, is what the
 * site build sees. Pure: text in, data out. `planFromTree` serves the site build's remark plugin.
 */
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkMdx from 'remark-mdx';
import remarkFrontmatter from 'remark-frontmatter';
import remarkDirective from 'remark-directive';
import remarkGfm from 'remark-gfm';
import type { Root, RootContent, Node } from 'mdast';
import type { MdxJsxAttribute, MdxJsxExpressionAttribute, MdxJsxFlowElement, MdxJsxTextElement } from 'mdast-util-mdx-jsx';
import type {
  CommandStep,
  ExpectedExit,
  GraphStep,
  LessonPlan,
  LessonProblem,
  LessonStep,
  SourcePosition,
  TerminalDecl,
} from './lessonPlan.ts';
import { staticValue } from './staticValue.ts';
import { pageReferences } from './pageReferences.ts';
import { parseYamlSource } from '../definitions/yamlSource.ts';

type JsxElement = MdxJsxFlowElement | MdxJsxTextElement;
type Attr = MdxJsxAttribute | MdxJsxExpressionAttribute;

/** The components a lesson may use (global in MDX, no imports). */
export const LessonComponents = {
  visor: 'TerminalVisor',
  terminal: 'Terminal',
  runCommand: 'TerminalRunCommand',
  command: 'Command',
  challenge: 'Challenge',
  graph: 'MetricsGraph',
  task: 'Task',
  webTab: 'WebTab',
  dashboard: 'Dashboard',
} as const;

/** The processor is stateless once frozen; build it once. */
// GFM matters: it turns a URL inside a <Command> into a link node, exactly as the site renders it.
const processor = unified().use(remarkParse).use(remarkMdx).use(remarkFrontmatter).use(remarkDirective).use(remarkGfm).freeze();

/** Parses MDX text into an mdast tree, or a problem at the position the parser reports. */
export function parseMdx(text: string, file: string): { tree: Root } | { problem: LessonProblem } {
  try {
    // parse() alone skips transformers; GFM and directives are syntax extensions, so they apply here.
    return { tree: processor.parse(text) as Root };
  } catch (err) {
    // remark-mdx reports syntax errors as VFileMessage-like errors carrying a 1-based line/column.
    const e = err as { line?: number; column?: number; reason?: string; message?: string };
    return {
      problem: {
        at: { file, line: e.line ?? 1, column: e.column ?? 1 },
        message: `MDX syntax: ${e.reason ?? e.message ?? String(err)}`,
      },
    };
  }
}

/** Reads a lesson file's text. `file` is used only for positions and the default id. */
export function readLesson(text: string, file: string): LessonPlan {
  const plan: LessonPlan = { file, id: defaultId(file), title: '', terminals: [], steps: [], problems: [] };
  const parsed = parseMdx(text, file);
  if ('problem' in parsed) {
    plan.problems.push(parsed.problem);
    return plan;
  }
  new Reader(plan).readTree(parsed.tree);
  plan.references = pageReferences(parsed.tree, file);
  return plan;
}

/** Builds a plan from a tree someone else parsed (the site build's remark plugin). */
export function planFromTree(tree: Root, file: string): LessonPlan {
  const plan: LessonPlan = { file, id: defaultId(file), title: '', terminals: [], steps: [], problems: [] };
  new Reader(plan).readTree(tree);
  plan.references = pageReferences(tree, file);
  return plan;
}

/** Docusaurus strips a numeric prefix (`01-`, `1.`) from file names to make doc ids. */
function defaultId(file: string): string {
  const base = file.split('/').pop() ?? file;
  return base.replace(/\.mdx?$/, '').replace(/^\d+[-_.\s]+/, '');
}

class Reader {
  private buttons = 0;
  constructor(private readonly plan: LessonPlan) {}

  readTree(tree: Root): void {
    for (const node of tree.children) {
      if (node.type === 'yaml') this.readFrontMatter(node.value, node);
      else if (node.type === 'heading' && node.depth === 1 && !this.plan.title) this.plan.title = plainText(node);
    }
    this.walk(tree);
  }

  /** With the definitions toolkit: YAML errors (aliases bounded) at their line in the lesson file. */
  private readFrontMatter(value: string, node: Node): void {
    const source = parseYamlSource(value, this.plan.file);
    // The YAML starts on the line after the opening `---`.
    const opening = node.position?.start.line ?? 1;
    for (const e of source.errors) {
      this.plan.problems.push({ at: { file: this.plan.file, line: opening + e.line, column: e.column }, message: `front matter is not valid YAML: ${e.message}` });
    }
    const data = source.errors.length ? null : (source.value as Record<string, unknown> | null);
    if (data && typeof data === 'object') {
      if (typeof data.id === 'string') this.plan.id = data.id;
      if (typeof data.title === 'string') this.plan.title = data.title;
    }
  }

  private walk(node: Node): void {
    if (isJsx(node)) {
      if (this.readElement(node)) return;
    }
    const children = (node as { children?: Node[] }).children;
    if (children) for (const child of children) this.walk(child);
  }

  /** Returns true when the element's children were fully handled. */
  private readElement(el: JsxElement): boolean {
    switch (el.name) {
      case LessonComponents.terminal:
        this.readTerminal(el);
        return true;
      case LessonComponents.runCommand:
        this.readRunCommand(el);
        return true;
      case LessonComponents.command:
        this.problem(el, `<Command> outside a <TerminalRunCommand>: nothing would type it`);
        return true;
      case LessonComponents.challenge: {
        const id = this.stringAttr(el, 'id', true);
        const dashboard = this.stringAttr(el, 'dashboard', false);
        if (id !== undefined) this.plan.steps.push({ kind: 'challenge', id, ...(dashboard === undefined ? {} : { dashboard }), at: this.pos(el) });
        return true;
      }
      case LessonComponents.task: {
        const id = this.stringAttr(el, 'id', true);
        if (id !== undefined) this.plan.steps.push({ kind: 'task', id, at: this.pos(el) });
        return true;
      }
      case LessonComponents.webTab: {
        const service = this.stringAttr(el, 'service', true);
        if (service !== undefined) (this.plan.webTabs ??= []).push({ service, at: this.pos(el) });
        return true;
      }
      case LessonComponents.graph: {
        const query = this.stringAttr(el, 'query', true);
        if (query === undefined) return true;
        const graph: GraphStep = { kind: 'graph', query, at: this.pos(el) };
        for (const key of ['title', 'window', 'step'] as const) {
          const v = this.stringAttr(el, key, false);
          if (v !== undefined) graph[key] = v;
        }
        this.plan.steps.push(graph);
        return true;
      }
      default:
        return false;
    }
  }

  private readTerminal(el: JsxElement): void {
    const target = this.stringAttr(el, 'target', true);
    // The browser's <Terminal> uses its target as id when none is given.
    const id = attr(el, 'id') ? this.stringAttr(el, 'id', true) : target;
    if (id === undefined || target === undefined) return;
    const decl: TerminalDecl = { id, target, at: this.pos(el) };
    for (const key of ['name', 'shell', 'user', 'workdir'] as const) {
      const v = this.stringAttr(el, key, false);
      if (v !== undefined) decl[key] = v;
    }
    const dup = this.plan.terminals.find((t) => t.id === id);
    if (dup) {
      this.problem(el, `terminal id "${id}" is declared twice (first at line ${dup.at.line})`);
      return;
    }
    this.plan.terminals.push(decl);
  }

  private readRunCommand(el: JsxElement): void {
    const terminal = this.stringAttr(el, 'target', true);
    const button = ++this.buttons;
    const commands: JsxElement[] = [];
    const collect = (n: Node): void => {
      if (isJsx(n) && n.name === LessonComponents.command) commands.push(n);
      else if (isJsx(n)) this.problem(n, `<${n.name ?? 'fragment'}> inside <TerminalRunCommand>: only <Command> children are typed`);
      else for (const c of (n as { children?: Node[] }).children ?? []) collect(c);
    };
    for (const c of el.children) collect(c);
    if (commands.length === 0) this.problem(el, `<TerminalRunCommand> has no <Command> children`);
    if (terminal === undefined) return;
    commands.forEach((cmd, i) => {
      const text = this.commandText(cmd);
      if (text === undefined) return;
      const step: CommandStep = { kind: 'command', terminal, text, expect: this.expectation(cmd), button, at: this.pos(cmd) };
      const timeout = this.numberAttr(cmd, 'timeout');
      if (timeout !== undefined) {
        if (timeout > 0) step.timeoutSeconds = timeout;
        else this.problem(cmd, `timeout must be a positive number of seconds, got ${timeout}`);
      }
      if (this.booleanAttr(cmd, 'allowPipeFailure')) step.allowPipeFailure = true;
      if (this.booleanAttr(cmd, 'keepsRunning')) {
        step.keepsRunning = true;
        this.keepsRunningRules(cmd, i === commands.length - 1);
      }
      this.plan.steps.push(step as LessonStep);
    });
  }

  /**
   * A command that keeps running is stopped with Ctrl-C at the end of its block, so nothing may follow
   * it in the block (it would be typed into the running program), and an exit status or a time limit
   * would judge nothing.
   */
  private keepsRunningRules(cmd: JsxElement, last: boolean): void {
    if (!last) this.problem(cmd, `keepsRunning must be on the last <Command> of its <TerminalRunCommand>: the commands after it would be typed into the running program`);
    for (const name of ['expectExit', 'expectFail', 'timeout']) {
      if (attr(cmd, name)) this.problem(cmd, `keepsRunning and ${name} do not go together: a command that keeps running is stopped with Ctrl-C, so its exit status and duration are not judged`);
    }
  }

  /** `expectExit={N}` for an exact code, bare `expectFail` for any non-zero; else 0. */
  private expectation(cmd: JsxElement): ExpectedExit {
    const code = this.numberAttr(cmd, 'expectExit');
    const fail = attr(cmd, 'expectFail');
    if (code !== undefined && fail) this.problem(cmd, `use either expectExit or expectFail, not both`);
    if (code !== undefined) {
      if (!Number.isInteger(code) || code < 0 || code > 255) this.problem(cmd, `expectExit must be an integer 0–255, got ${code}`);
      return { kind: 'code', code };
    }
    if (fail) {
      const v = attrValue(fail);
      if (v.ok && v.value === false) return { kind: 'code', code: 0 };
      return { kind: 'nonzero' };
    }
    return { kind: 'code', code: 0 };
  }

  /**
   * The text the browser types: plain text and string-literal expressions only. Markdown inside a
   * command (`*x*`, backticks, links) would render as formatting and silently change the command,
   * so it is an error with the advice to write the command as a {`…`} literal.
   */
  private commandText(cmd: JsxElement): string | undefined {
    let out = '';
    let ok = true;
    const visit = (n: Node): void => {
      if (!ok) return;
      switch (n.type) {
        case 'text':
          out += (n as unknown as { value: string }).value;
          return;
        case 'paragraph':
        // A GFM autolink literal (a URL in a command) renders as <a>; its text is the URL as written.
        case 'link':
          for (const c of (n as unknown as { children: Node[] }).children) visit(c);
          return;
        case 'mdxTextExpression':
        case 'mdxFlowExpression': {
          const v = staticValue((n as { data?: { estree?: unknown } }).data?.estree);
          if (v.ok && typeof v.value === 'string') out += v.value;
          else {
            ok = false;
            this.problem(n, `a <Command> expression must be a string literal such as {\`…\`}`);
          }
          return;
        }
        default:
          ok = false;
          this.problem(n, `markdown (${n.type}) inside <Command> would change the typed text; write the command as {\`…\`}`);
      }
    };
    for (const c of cmd.children) visit(c);
    if (!ok) return undefined;
    // As the browser's <TerminalRunCommand> does: line breaks inside one command become spaces.
    const text = out.replace(/\s*\n\s*/g, ' ').trim();
    if (!text) {
      this.problem(cmd, `<Command> is empty`);
      return undefined;
    }
    return text;
  }

  private stringAttr(el: JsxElement, name: string, required: boolean): string | undefined {
    const a = attr(el, name);
    if (!a) {
      if (required) this.problem(el, `<${el.name}> needs a ${name}="…" attribute`);
      return undefined;
    }
    const v = attrValue(a);
    if (v.ok && typeof v.value === 'string' && v.value !== '') return v.value;
    this.problem(a, `<${el.name}> attribute ${name} must be a non-empty string literal`);
    return undefined;
  }

  /** A bare attribute (`keepsRunning`) or `={true}` is true; `={false}` or none is false. */
  private booleanAttr(el: JsxElement, name: string): boolean {
    const a = attr(el, name);
    if (!a) return false;
    const v = attrValue(a);
    if (v.ok && typeof v.value === 'boolean') return v.value;
    this.problem(a, `<${el.name}> attribute ${name} is a flag: write ${name} alone, or ${name}={false}`);
    return false;
  }

  private numberAttr(el: JsxElement, name: string): number | undefined {
    const a = attr(el, name);
    if (!a) return undefined;
    const v = attrValue(a);
    if (v.ok && typeof v.value === 'number') return v.value;
    if (v.ok && typeof v.value === 'string' && /^\d+(\.\d+)?$/.test(v.value)) return Number(v.value);
    this.problem(a, `<${el.name}> attribute ${name} must be a number, as in ${name}={1}`);
    return undefined;
  }

  private pos(node: Node): SourcePosition {
    const start = node.position?.start;
    return { file: this.plan.file, line: start?.line ?? 1, column: start?.column ?? 1 };
  }

  private problem(node: Node, message: string): void {
    this.plan.problems.push({ at: this.pos(node), message });
  }
}

function isJsx(node: Node): node is JsxElement {
  return node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement';
}

function attr(el: JsxElement, name: string): MdxJsxAttribute | undefined {
  return el.attributes.find((a: Attr): a is MdxJsxAttribute => a.type === 'mdxJsxAttribute' && a.name === name);
}

/** A JSX attribute's value: a bare attribute is `true`; `{…}` is evaluated only when it is a literal. */
function attrValue(a: MdxJsxAttribute): { ok: true; value: unknown } | { ok: false } {
  if (a.value === null || a.value === undefined) return { ok: true, value: true };
  if (typeof a.value === 'string') return { ok: true, value: a.value };
  return staticValue(a.value.data?.estree);
}

function plainText(node: RootContent | Node): string {
  if ('value' in node && typeof node.value === 'string') return node.value;
  const children = (node as { children?: Node[] }).children ?? [];
  return children.map(plainText).join('');
}
