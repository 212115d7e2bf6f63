import { decodeOperationCursor, encodeOperationCursor } from './operation.store';

const ID = 'op_01JD8X3Q4M5N6P7R8S9T0V1W2X';
const b64 = (text: string) => Buffer.from(text, 'latin1').toString('base64url');

describe('operation list cursor', () => {
  it('decodes what it encodes', () => {
    const cursor = { score: 1_780_000_000_123, id: ID };
    expect(decodeOperationCursor(encodeOperationCursor(cursor))).toEqual(cursor);
  });

  it.each([
    ['empty', ''],
    ['not base64url', '$$$'],
    ['padding', encodeOperationCursor({ score: 1, id: ID }) + '='],
    ['no separator', b64('1780000000123')],
    ['a non-numeric score', b64(`abc:${ID}`)],
    ['a fractional score', b64(`1.5:${ID}`)],
    ['an exponent score', b64(`1e3:${ID}`)],
    ['a negative score', b64(`-1:${ID}`)],
    ['Redis range syntax', b64(`(5:${ID}`)],
    ['infinity', b64(`inf:${ID}`)],
    ['a leading zero', b64(`01:${ID}`)],
    ['a score beyond 2^53', b64(`9007199254740993:${ID}`)],
    ['a foreign id', b64('1:whs_01JD8X3Q4M5N6P7R8S9T0V1W2X')],
    ['an id with excluded letters', b64('1:op_01JD8X3Q4M5N6P7R8S9T0V1W2I')],
    ['a third field', b64(`1:${ID}:x`)],
    ['non-canonical trailing bits', encodeOperationCursor({ score: 1, id: ID }).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))],
    ['too long', 'A'.repeat(201)],
  ])('refuses %s', (_name, text) => {
    expect(decodeOperationCursor(text)).toBeNull();
  });
});
