/**
 * SNS answers in JSON when a request asks for it (`Accept: application/json`); fauxqs answers
 * only in XML. This turns a query-protocol XML answer into the JSON SNS sends: one object per
 * element, `<member>` lists as arrays (and the PublishBatch lists `Successful` and `Failed`, empty
 * ones included), text as strings, and an `ErrorResponse` as `{"Error": {...}, "RequestId": ...}`.
 */

interface XmlNode {
  readonly name: string;
  readonly children: XmlNode[];
  text: string;
}

const LISTS: ReadonlySet<string> = new Set(['Successful', 'Failed']);

export function queryXmlToJson(xml: string): unknown {
  const root = parseXml(xml);
  if (root.name === 'ErrorResponse') return convert(root);
  return { [root.name]: convert(root) };
}

function convert(node: XmlNode): unknown {
  if (LISTS.has(node.name) || (node.children.length > 0 && node.children.every((c) => c.name === 'member'))) {
    return node.children.map(convert);
  }
  if (node.children.length === 0) return node.text;
  return Object.fromEntries(node.children.map((c) => [c.name, convert(c)]));
}

/** A small parser for the XML AWS query APIs answer with: elements, text and entities; no attributes kept. */
export function parseXml(xml: string): XmlNode {
  const stack: XmlNode[] = [{ name: '#document', children: [], text: '' }];
  const token = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<\/([\w:.-]+)\s*>|<([\w:.-]+)(?:\s[^>]*?)?(\/?)>|([^<]+)/g;
  let m: RegExpExecArray | null;
  while ((m = token.exec(xml))) {
    const [, close, open, selfClosing, text] = m;
    const top = stack[stack.length - 1];
    if (open) {
      const node: XmlNode = { name: open, children: [], text: '' };
      top.children.push(node);
      if (!selfClosing) stack.push(node);
    } else if (close) {
      if (top.name !== close) throw new Error(`malformed XML: </${close}> closes <${top.name}>`);
      stack.pop();
    } else if (text !== undefined) {
      top.text += unescape(text);
    }
  }
  const root = stack[0].children[0];
  if (!root || stack.length !== 1) throw new Error('malformed XML');
  return root;
}

function unescape(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e];
  });
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
