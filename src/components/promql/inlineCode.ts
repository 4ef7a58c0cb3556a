/**
 * Checker messages mark names with backticks (`envoy_listener_address`). Split such a message into plain
 * and code parts so the UI can show code without rendering any HTML from the server.
 */
export interface TextPart {
  code: boolean;
  text: string;
}

export function splitInlineCode(message: string): TextPart[] {
  const parts: TextPart[] = [];
  const re = /`([^`]+)`/g;
  let last = 0;
  for (let m = re.exec(message); m !== null; m = re.exec(message)) {
    if (m.index > last) parts.push({ code: false, text: message.slice(last, m.index) });
    parts.push({ code: true, text: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < message.length) parts.push({ code: false, text: message.slice(last) });
  return parts;
}
