import { type Document, isMap, isNode, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml'

/**
 * Finds the line of a config path in the YAML document: the value's own line when it exists, else the line
 * of the deepest ancestor that does (a missing key is reported where its parent map is).
 */
export function createLocator(doc: Document, lines: LineCounter) {
  const lineOf = (offset: number) => lines.linePos(offset).line

  return function locate(path: readonly PropertyKey[], opts: { key?: string } = {}): number | undefined {
    let node: unknown = doc.contents
    let line: number | undefined = isNode(node) && node.range ? lineOf(node.range[0]) : undefined
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg))
        if (!pair) return line
        const keyNode = pair.key as Node
        line = keyNode.range ? lineOf(keyNode.range[0]) : line
        node = pair.value
      } else if (isSeq(node) && typeof seg !== 'symbol' && /^\d+$/.test(String(seg))) {
        const item = node.items[Number(seg)]
        if (!isNode(item)) return line
        line = item.range ? lineOf(item.range[0]) : line
        node = item
      } else if (typeof seg === 'string' && /^\d+$/.test(seg) === false) {
        return line
      }
    }
    if (opts.key && isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === opts.key)
      const keyNode = pair?.key as Node | undefined
      if (keyNode?.range) return lineOf(keyNode.range[0])
    }
    if (isNode(node) && node.range) return lineOf(node.range[0])
    return line
  }
}

export type Locator = ReturnType<typeof createLocator>
