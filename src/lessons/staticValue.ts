/**
 * Evaluates the literal part of an MDX `{…}` expression without running code: strings, numbers,
 * booleans, template literals without substitutions, negative numbers. Anything else is "not static":
 * lesson validation must know a command's text or a query without executing the page.
 */

interface EstreeNode {
  type: string;
  [key: string]: unknown;
}

export type StaticResult = { ok: true; value: string | number | boolean | null } | { ok: false };

/** Accepts the `data.estree` Program remark-mdx attaches to expressions. */
export function staticValue(program: unknown): StaticResult {
  const p = program as EstreeNode | undefined;
  if (!p || p.type !== 'Program') return { ok: false };
  const body = p.body as EstreeNode[];
  if (body.length !== 1 || body[0]?.type !== 'ExpressionStatement') return { ok: false };
  return evaluate(body[0].expression as EstreeNode);
}

function evaluate(e: EstreeNode): StaticResult {
  switch (e.type) {
    case 'Literal': {
      const v = e.value;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) return { ok: true, value: v };
      return { ok: false };
    }
    case 'TemplateLiteral': {
      const expressions = e.expressions as EstreeNode[];
      const quasis = e.quasis as { value: { cooked: string | null } }[];
      if (expressions.length !== 0 || quasis.length !== 1 || quasis[0]?.value.cooked == null) return { ok: false };
      return { ok: true, value: quasis[0].value.cooked };
    }
    case 'UnaryExpression': {
      if (e.operator !== '-') return { ok: false };
      const inner = evaluate(e.argument as EstreeNode);
      return inner.ok && typeof inner.value === 'number' ? { ok: true, value: -inner.value } : { ok: false };
    }
    default:
      return { ok: false };
  }
}
