// typecheck: tsconfig.node.json
// expect: Cannot find name 'document'
// expect: Cannot find name 'window'
// Node layers have no DOM, even where a dependency's typings would bring it in (see tsconfig.node.json).
import { HeadlessScreen } from '../../../src/terminal/HeadlessScreen.ts';

export const planted = [HeadlessScreen, document.body, window.location];
