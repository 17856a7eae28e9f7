// The size of a DynamoDB item (attribute values in wire format) as DynamoDB
// bills it: names plus values, numbers at about one byte per two significant
// digits, maps and lists 3 bytes plus their elements. A standard write costs
// one write request unit per started KB.
const utf8 = (s) => Buffer.byteLength(s, 'utf8');

function numberSize(n) {
  const digits = n.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function valueSize(value) {
  const [type, v] = Object.entries(value)[0];
  switch (type) {
    case 'S':
      return utf8(v);
    case 'N':
      return numberSize(v);
    case 'B':
      return Buffer.from(v, 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return v.reduce((n, s) => n + utf8(s), 0);
    case 'NS':
      return v.reduce((n, s) => n + numberSize(s), 0);
    case 'BS':
      return v.reduce((n, s) => n + Buffer.from(s, 'base64').length, 0);
    case 'M':
      return 3 + itemSize(v);
    case 'L':
      return 3 + v.reduce((n, e) => n + 1 + valueSize(e), 0);
    default:
      return 0;
  }
}

/** Bytes of an item given as { name: { S: '…' }, … }. */
export function itemSize(item) {
  return Object.entries(item ?? {}).reduce((n, [name, value]) => n + utf8(name) + valueSize(value), 0);
}

/** Write request units of one standard (non-transactional) write of the item. */
export function writeUnits(item) {
  return Math.max(1, Math.ceil(itemSize(item) / 1024));
}
