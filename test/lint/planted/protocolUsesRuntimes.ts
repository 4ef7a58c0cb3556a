// typecheck: tsconfig.common.json
// expect: Cannot find name 'document'
// expect: Cannot find name 'Buffer'
// The common layer has neither the DOM nor Node: both lines below must fail to compile.
export const title = document.title;
export const bytes = Buffer.from('x');
