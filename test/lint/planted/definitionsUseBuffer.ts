// typecheck: tsconfig.common.json
// expect: Cannot find name 'Buffer'
// src/definitions compiles as common code, beside src/protocol: Node's globals are not there.
export const bytes = Buffer.byteLength('hosts: {}');
