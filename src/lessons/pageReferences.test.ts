import { describe, expect, it } from 'vitest';
import { parseMdx } from './readLesson.ts';
import { localImagePath, pageReferences } from './pageReferences.ts';

function refs(mdx: string) {
  const parsed = parseMdx(mdx, 'docs/course/l.mdx');
  if ('problem' in parsed) throw new Error(parsed.problem.message);
  return pageReferences(parsed.tree, 'docs/course/l.mdx');
}

describe('pageReferences', () => {
  it('lists the components a page uses but does not import or define, with their positions', () => {
    const r = refs(`import Tabs from '@theme/Tabs';\nexport const Note = () => null;\n\n<Tabs><Tabs.Item/></Tabs>\n\n<Note/> <Browser url="x"/>\n\n<div><VSCode/></div>\n`);
    expect(r.components.map((c) => `${c.name}@${c.at.line}:${c.at.column}`)).toEqual(['Browser@6:9', 'VSCode@8:6']);
  });

  it('counts an import written anywhere on the page, and ignores HTML tags and fragments', () => {
    const r = refs(`<Later/>\n\n<span><>x</></span>\n\nimport { Later } from './later';\n`);
    expect(r.components).toEqual([]);
  });

  it('lists Markdown images with their URLs as written', () => {
    const r = refs(`Text\n\n![](./images/a.png)\n\nmore ![b](https://example.org/b.png) text\n`);
    expect(r.images.map((i) => `${i.url}@${i.at.line}`)).toEqual(['./images/a.png@3', 'https://example.org/b.png@5']);
  });
});

describe('localImagePath', () => {
  const site = { projectDir: '/p', staticDir: '/p/static' };
  it('looks where Docusaurus looks: beside the page, in static/ for /…, in the project for @site/…', () => {
    expect(localImagePath('./images/a%20b.png', 'docs/course/l.mdx', site)).toBe('docs/course/images/a b.png');
    expect(localImagePath('../img/c.png?raw#x', 'docs/course/l.mdx', site)).toBe('docs/img/c.png');
    expect(localImagePath('/img/logo.svg', 'docs/course/l.mdx', site)).toBe('/p/static/img/logo.svg');
    expect(localImagePath('@site/static/img/logo.svg', 'docs/course/l.mdx', site)).toBe('/p/static/img/logo.svg');
  });

  it('leaves URLs with a scheme alone', () => {
    for (const url of ['https://example.org/a.png', 'data:image/png;base64,AA', 'pathname:///img/a.png', '//cdn.example.org/a.png', '']) {
      expect(localImagePath(url, 'docs/l.mdx', site)).toBeNull();
    }
  });
});
