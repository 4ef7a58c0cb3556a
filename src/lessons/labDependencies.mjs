/**
 * A webpack loader for the site's docs (docusaurus.config.ts puts it before the MDX loader): it passes a
 * page through unchanged and makes it depend on the lessons' lab.yaml and challenges.yaml, whose hosts
 * and challenge ids the page's reference checks read (src/lessons/remarkValidate.ts). So the dev server
 * checks a page again when those files are saved, not only when the page is. Plain JavaScript: webpack
 * loads loaders itself, without the TypeScript loader the rest of the site's build runs under.
 *
 * @this {{ getOptions(): { files: string[] }; addDependency(file: string): void }}
 * @param {string} source
 */
export default function labDependencies(source) {
  for (const file of this.getOptions().files) this.addDependency(file);
  return source;
}
