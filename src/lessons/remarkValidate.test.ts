import { describe, expect, it } from 'vitest';
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkMdx from 'remark-mdx';
import remarkFrontmatter from 'remark-frontmatter';
import { VFile } from 'vfile';
import type { Root } from 'mdast';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import remarkValidate from './remarkValidate.ts';

const context = { hosts: ['tools', 'api'], challengeIds: ['c-one'] };

async function build(text: string): Promise<void> {
  const processor = unified().use(remarkParse).use(remarkMdx).use(remarkValidate, { context, name: 'test' });
  const file = new VFile({ value: text, path: `${process.cwd()}/docs/course/x.mdx` });
  await processor.run(processor.parse(file), file);
}

describe('remarkValidate', () => {
  it('lets a lesson whose references exist through', async () => {
    await expect(build('<Terminal id="t" target="tools"/>\n\n<TerminalRunCommand target="t"><Command>ls</Command></TerminalRunCommand>\n\n<Challenge id="c-one"/>\n')).resolves.toBeUndefined();
  });

  it('fails the build with file:line:column for each broken reference', async () => {
    await expect(build('<Terminal id="t" target="tool"/>\n\nText\n\n<Challenge id="c-two"/>\n')).rejects.toThrow(
      /docs\/course\/x\.mdx:1:1: terminal "t" targets host "tool".*\ndocs\/course\/x\.mdx:5:1: challenge "c-two" is not defined/s,
    );
  });

  it('leaves pages without lesson components alone', async () => {
    await expect(build('# Just prose\n\nNothing to check.\n')).resolves.toBeUndefined();
  });
});

/** Several pages through one plugin instance, as the site compiles them; what each run gave. */
async function compile(pages: Record<string, string>, options: Parameters<typeof remarkValidate>[0]) {
  const processor = unified().use(remarkParse).use(remarkMdx).use(remarkFrontmatter).use(remarkValidate, options);
  const out: Record<string, { error?: Error; tree: Root }> = {};
  for (const [name, text] of Object.entries(pages)) {
    const file = new VFile({ value: text, path: `${process.cwd()}/docs/course/${name}` });
    const tree = processor.parse(file) as Root;
    try {
      out[name] = { tree: (await processor.run(tree, file)) as Root };
    } catch (error) {
      out[name] = { error: error as Error, tree };
    }
  }
  return out;
}

const good = '<Terminal id="t" target="tools"/>\n\n<TerminalRunCommand target="t"><Command>ls</Command></TerminalRunCommand>\n';
const broken = '---\ntitle: B\n---\n\n<Terminal id="t" target="toolz"/>\n\n![a diagram](./img/none.png)\n';
const withImages = { ...context, missingImage: (url: string) => (url.includes('none') ? 'docs/course/img/none.png' : null) };

describe('remarkValidate over several pages', () => {
  it('fails the build with one error for the broken page: its lines, no stack, nothing for the others', async () => {
    const r = await compile({ 'a.mdx': good, 'b.mdx': broken, 'c.mdx': good }, { context: withImages, name: 'test', onError: 'throw' });
    expect(Object.entries(r).filter(([, v]) => v.error).map(([k]) => k)).toEqual(['b.mdx']);
    expect(r['b.mdx']!.error!.message).toBe(
      'docs/course/b.mdx:5:1: terminal "t" targets host "toolz", which the lab does not have (did you mean "tools"?)\n' +
        'docs/course/b.mdx:7:1: image "./img/none.png" not found: there is no docs/course/img/none.png',
    );
    expect(r['b.mdx']!.error!.stack).toBe('');
  });

  it('in the dev server, prints the errors once and shows them on that page only, with a note for the missing image', async () => {
    const printed: string[] = [];
    const options = { context: withImages, name: 'test', onError: 'page' as const, print: (t: string) => printed.push(t) };
    const first = await compile({ 'a.mdx': good, 'd.mdx': broken }, options);
    expect(first['d.mdx']!.error).toBeUndefined();
    const [front, banner] = first['d.mdx']!.tree.children;
    expect(front!.type).toBe('yaml');
    expect(banner).toMatchObject({ type: 'mdxJsxFlowElement', name: 'div', attributes: expect.arrayContaining([expect.objectContaining({ name: 'data-lesson-errors', value: '2' })]) });
    expect(JSON.stringify(banner)).toContain('docs/course/d.mdx:7:1: image');
    expect(JSON.stringify(first['d.mdx']!.tree)).toContain('"type":"inlineCode","value":"missing image: ./img/none.png"');
    expect(JSON.stringify(first['d.mdx']!.tree)).not.toContain('"type":"image"');
    expect(JSON.stringify(first['a.mdx']!.tree)).not.toContain('data-lesson-errors');
    // Compiled again (a hot reload) with the same errors: nothing more printed; once fixed, it says so.
    await compile({ 'd.mdx': broken }, options);
    await compile({ 'd.mdx': good }, options);
    expect(printed).toEqual([expect.stringMatching(/^docs\/course\/d\.mdx:5:1: .*\ndocs\/course\/d\.mdx:7:1: /), 'docs/course/d.mdx: no errors left']);
  });

  it("reports a lab whose own files have errors once, not once per page, and reads the lab again once it is saved", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbrv-'));
    try {
      const labFile = join(dir, 'lab.yaml');
      writeFileSync(labFile, 'hosts:\n  tools:\n    procesess: {}\n');
      writeFileSync(join(dir, 'challenges.yaml'), 'scrapeInterval: 2s\nlive: { window: 5m, step: 10s }\noffline: { fixture: x.om, start: 0, end: 60, step: 10s }\nchallenges:\n  - { id: c-one, lesson: x, title: T, prompt: P, reference: up }\n');
      const r = await compile({ 'a.mdx': good, 'b.mdx': broken, 'c.mdx': good }, { lab: dir, onError: 'throw' });
      expect(Object.entries(r).filter(([, v]) => v.error).map(([k]) => k)).toEqual(['a.mdx']);
      expect(r['a.mdx']!.error!.message).toMatch(/^The lessons' lab ".*" has errors, so no lesson's references were checked:\n.*lab\.yaml:3:5: hosts\.tools\.procesess: unknown key `procesess`; did you mean `processes`\?$/);
      writeFileSync(labFile, 'hosts:\n  tools: {}\n');
      utimesSync(labFile, new Date(), new Date(Date.now() + 5_000));
      const again = await compile({ 'a.mdx': good, 'b.mdx': broken }, { lab: dir, onError: 'throw' });
      expect(again['a.mdx']!.error).toBeUndefined();
      expect(again['b.mdx']!.error!.message).toMatch(/^docs\/course\/b\.mdx:5:1: terminal "t" targets host "toolz"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
