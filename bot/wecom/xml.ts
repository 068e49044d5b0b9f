// WeCom's XML, parsed safely: no DTDs or entities (an entity bomb never reaches the parser), tag
// values kept as strings (a 64-bit MsgId must not become a float), nesting kept shallow (WeCom's
// deepest message, a template card event's SelectedItems, is 5 levels), and whatever the parser
// throws on hostile input becomes an XmlError (answered 400), never an internal error.

import { XMLParser, XMLValidator } from 'fast-xml-parser';

export class XmlError extends Error {}

/** Elements inside elements, root included; WeCom uses at most 5. */
export const MAX_XML_DEPTH = 12;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: false,
  trimValues: true,
  isArray: () => false,
  maxNestedTags: MAX_XML_DEPTH,
});

/** The children of the root `<xml>` element as strings (nested elements as objects). */
export function parseWecomXml(text: string): Record<string, unknown> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('DTDs and entities are not accepted');
  if (XMLValidator.validate(text) !== true) throw new XmlError('malformed XML');
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch (error) {
    // e.g. "Maximum nested tags exceeded": the input's fault, whatever the parser says.
    throw new XmlError(`unparseable XML: ${(error as Error).message}`);
  }
  const root = doc.xml;
  if (!root || typeof root !== 'object') throw new XmlError('no <xml> root element');
  return root as Record<string, unknown>;
}

export const field = (xml: Record<string, unknown>, name: string): string | undefined => {
  const v = xml[name];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
};

/** `<xml><A><![CDATA[..]]></A>…</xml>` from a flat record (for the fake WeCom and passive replies). */
export function buildWecomXml(fields: Record<string, string | number>): string {
  const inner = Object.entries(fields)
    .map(([k, v]) => (typeof v === 'number' ? `<${k}>${v}</${k}>` : `<${k}><![CDATA[${v}]]></${k}>`))
    .join('');
  return `<xml>${inner}</xml>`;
}
