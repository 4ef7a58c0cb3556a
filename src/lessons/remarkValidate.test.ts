import { describe, expect, it } from 'vitest';
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkMdx from 'remark-mdx';
import { VFile } from 'vfile';
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
