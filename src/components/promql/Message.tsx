/** A server message with its `names` shown as code; never HTML. */
import { splitInlineCode } from './inlineCode.ts';

export default function Message({ text }: { text: string }) {
  return (
    <>
      {splitInlineCode(text).map((p, i) => (p.code ? <code key={i}>{p.text}</code> : <span key={i}>{p.text}</span>))}
    </>
  );
}
