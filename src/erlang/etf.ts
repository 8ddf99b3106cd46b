// Erlang External Term Format, the body format of application/vnd.hex+erlang.
// Encoding matches OTP 25's term_to_binary/1 defaults (minor version 1: Latin-1 atoms as
// ATOM_EXT, floats as NEW_FLOAT_EXT; small maps in key order). Decoding accepts the data types of the term model,
// checks every length against the input before allocating, and bounds nesting.
import { Atom, ErlFloat, ErlMap, Tuple, atom, otpMapOrder, termKey, type Term } from './term.js';

const VERSION = 131;
const MAX_NESTING = 512;

const Tag = {
  NewFloat: 70,
  Compressed: 80,
  SmallInteger: 97,
  Integer: 98,
  Float: 99,
  Atom: 100,
  SmallTuple: 104,
  LargeTuple: 105,
  Nil: 106,
  String: 107,
  List: 108,
  Binary: 109,
  SmallBig: 110,
  LargeBig: 111,
  SmallAtom: 115,
  Map: 116,
  AtomUtf8: 118,
  SmallAtomUtf8: 119,
} as const;

export class EtfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EtfError';
  }
}

// ---------------------------------------------------------------- encoding

export function encodeEtf(term: Term): Buffer {
  const out = new Writer();
  out.byte(VERSION);
  encode(term, out);
  return out.finish();
}

class Writer {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }

  u16(n: number): void {
    this.room(2);
    this.len = this.buf.writeUInt16BE(n, this.len);
  }

  u32(n: number): void {
    this.room(4);
    this.len = this.buf.writeUInt32BE(n, this.len);
  }

  i32(n: number): void {
    this.room(4);
    this.len = this.buf.writeInt32BE(n, this.len);
  }

  f64(n: number): void {
    this.room(8);
    this.len = this.buf.writeDoubleBE(n, this.len);
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

function encode(term: Term, out: Writer): void {
  if (typeof term === 'number' || typeof term === 'bigint') return encodeInteger(term, out);
  if (term instanceof ErlFloat) {
    if (!Number.isFinite(term.value)) throw new EtfError(`cannot encode the float ${term.value}`);
    out.byte(Tag.NewFloat);
    return out.f64(term.value);
  }
  if (term instanceof Atom) return encodeAtom(term.name, out);
  if (term instanceof Uint8Array) {
    out.byte(Tag.Binary);
    out.u32(term.length);
    return out.bytes(term);
  }
  if (Array.isArray(term)) return encodeList(term, out);
  if (term instanceof Tuple) {
    const n = term.elements.length;
    if (n <= 255) {
      out.byte(Tag.SmallTuple);
      out.byte(n);
    } else {
      out.byte(Tag.LargeTuple);
      out.u32(n);
    }
    for (const e of term.elements) encode(e, out);
    return;
  }
  if (term instanceof ErlMap) {
    out.byte(Tag.Map);
    out.u32(term.entries.length);
    for (const [k, v] of otpMapOrder(term)) {
      encode(k, out);
      encode(v, out);
    }
    return;
  }
  throw new EtfError(`not an Erlang term: ${String(term)}`);
}

function encodeInteger(n: number | bigint, out: Writer): void {
  if (typeof n === 'number' && !Number.isInteger(n)) {
    throw new EtfError(`not an Erlang integer: ${n} (use ErlFloat for floats)`);
  }
  const big = BigInt(n);
  if (big >= 0n && big <= 255n) {
    out.byte(Tag.SmallInteger);
    return out.byte(Number(big));
  }
  if (big >= -0x80000000n && big <= 0x7fffffffn) {
    out.byte(Tag.Integer);
    return out.i32(Number(big));
  }
  let magnitude = big < 0n ? -big : big;
  const digits: number[] = []; // little-endian bytes
  while (magnitude > 0n) {
    digits.push(Number(magnitude & 0xffn));
    magnitude >>= 8n;
  }
  if (digits.length <= 255) {
    out.byte(Tag.SmallBig);
    out.byte(digits.length);
  } else {
    out.byte(Tag.LargeBig);
    out.u32(digits.length);
  }
  out.byte(big < 0n ? 1 : 0);
  out.bytes(Uint8Array.from(digits));
}

function encodeAtom(name: string, out: Writer): void {
  const codes = Array.from(name, (c) => c.codePointAt(0)!);
  if (codes.length > 255) throw new EtfError(`atom longer than 255 characters: ${name.slice(0, 40)}...`);
  if (codes.every((c) => c <= 0xff)) {
    out.byte(Tag.Atom);
    out.u16(codes.length);
    return out.bytes(Uint8Array.from(codes));
  }
  const utf8 = Buffer.from(name, 'utf8');
  if (utf8.length <= 255) {
    out.byte(Tag.SmallAtomUtf8);
    out.byte(utf8.length);
  } else {
    out.byte(Tag.AtomUtf8);
    out.u16(utf8.length);
  }
  out.bytes(utf8);
}

function encodeList(list: Term[], out: Writer): void {
  if (list.length === 0) return out.byte(Tag.Nil);
  if (list.length <= 0xffff && list.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 255)) {
    out.byte(Tag.String);
    out.u16(list.length);
    return out.bytes(Uint8Array.from(list as number[]));
  }
  out.byte(Tag.List);
  out.u32(list.length);
  for (const x of list) encode(x, out);
  out.byte(Tag.Nil);
}

// ---------------------------------------------------------------- decoding

export function decodeEtf(bytes: Uint8Array): Term {
  const input = new Reader(bytes);
  if (input.byte() !== VERSION) throw new EtfError('not an external term (the first byte must be 131)');
  const term = decode(input, 0);
  if (input.remaining() !== 0) throw new EtfError(`${input.remaining()} unexpected bytes after the term`);
  return term;
}

class Reader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  remaining(): number {
    return this.bytes.length - this.pos;
  }

  // Fails unless n more bytes are present; call before trusting a length field.
  need(n: number): void {
    if (n > this.remaining()) throw new EtfError(`truncated term: need ${n} bytes at offset ${this.pos}, have ${this.remaining()}`);
  }

  byte(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const n = this.view.getUint16(this.pos);
    this.pos += 2;
    return n;
  }

  u32(): number {
    this.need(4);
    const n = this.view.getUint32(this.pos);
    this.pos += 4;
    return n;
  }

  i32(): number {
    this.need(4);
    const n = this.view.getInt32(this.pos);
    this.pos += 4;
    return n;
  }

  f64(): number {
    this.need(8);
    const n = this.view.getFloat64(this.pos);
    this.pos += 8;
    return n;
  }

  take(n: number): Uint8Array {
    this.need(n);
    const slice = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return slice;
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decode(input: Reader, depth: number): Term {
  if (depth > MAX_NESTING) throw new EtfError(`terms nested more than ${MAX_NESTING} levels deep`);
  const tag = input.byte();
  switch (tag) {
    case Tag.SmallInteger: return input.byte();
    case Tag.Integer: return input.i32();
    case Tag.SmallBig: return decodeBig(input, input.byte());
    case Tag.LargeBig: return decodeBig(input, input.u32());
    case Tag.NewFloat: return decodeFloat(input.f64());
    case Tag.Float: return decodeOldFloat(input.take(31));
    case Tag.Atom: return latin1Atom(input.take(input.u16()));
    case Tag.SmallAtom: return latin1Atom(input.take(input.byte()));
    case Tag.AtomUtf8: return utf8Atom(input.take(input.u16()));
    case Tag.SmallAtomUtf8: return utf8Atom(input.take(input.byte()));
    case Tag.SmallTuple: return new Tuple(decodeMany(input, input.byte(), depth));
    case Tag.LargeTuple: return new Tuple(decodeMany(input, input.u32(), depth));
    case Tag.Nil: return [];
    case Tag.String: return Array.from(input.take(input.u16()));
    case Tag.List: return decodeList(input, depth);
    case Tag.Binary: return Uint8Array.from(input.take(input.u32()));
    case Tag.Map: return decodeMap(input, depth);
    case Tag.Compressed: throw new EtfError('compressed terms are not supported');
    default: throw new EtfError(`unsupported term tag ${tag}`);
  }
}

// Every element takes at least one byte, so a count larger than what is left is a lie.
function decodeMany(input: Reader, count: number, depth: number): Term[] {
  input.need(count);
  const items: Term[] = [];
  for (let i = 0; i < count; i++) items.push(decode(input, depth + 1));
  return items;
}

function decodeList(input: Reader, depth: number): Term[] {
  const items = decodeMany(input, input.u32(), depth);
  // term_to_binary always ends a proper list with NIL; a list tail is accepted too.
  const tail = decode(input, depth + 1);
  if (!Array.isArray(tail)) throw new EtfError('improper lists are not supported');
  for (const x of tail) items.push(x);
  return items;
}

function decodeMap(input: Reader, depth: number): ErlMap {
  const count = input.u32();
  input.need(count * 2);
  const entries: Array<[Term, Term]> = [];
  const keys = new Set<string>();
  for (let i = 0; i < count; i++) {
    const key = decode(input, depth + 1);
    const value = decode(input, depth + 1);
    const k = termKey(key);
    if (keys.has(k)) throw new EtfError('map with a repeated key');
    keys.add(k);
    entries.push([key, value]);
  }
  return new ErlMap(entries);
}

function decodeBig(input: Reader, size: number): number | bigint {
  const sign = input.byte();
  if (sign > 1) throw new EtfError(`invalid bignum sign byte ${sign}`);
  const digits = input.take(size);
  let hex = '';
  for (let i = digits.length - 1; i >= 0; i--) hex += digits[i]!.toString(16).padStart(2, '0');
  const magnitude = hex === '' ? 0n : BigInt('0x' + hex);
  const value = sign === 1 ? -magnitude : magnitude;
  const safe = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
  return safe ? Number(value) : value;
}

function decodeFloat(value: number): ErlFloat {
  if (!Number.isFinite(value)) throw new EtfError('NaN and infinite floats are not Erlang terms');
  return new ErlFloat(value);
}

// FLOAT_EXT: the float printed with "%.20e" in a 31-byte, NUL-padded field.
function decodeOldFloat(field: Uint8Array): ErlFloat {
  const text = Buffer.from(field).toString('latin1').replace(/\0+$/, '');
  if (!/^[-+]?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(text)) throw new EtfError(`invalid FLOAT_EXT text ${JSON.stringify(text)}`);
  return decodeFloat(Number(text));
}

function latin1Atom(bytes: Uint8Array): Atom {
  if (bytes.length > 255) throw new EtfError('atom longer than 255 characters');
  return atom(Buffer.from(bytes).toString('latin1'));
}

function utf8Atom(bytes: Uint8Array): Atom {
  let name: string;
  try {
    name = utf8Decoder.decode(bytes);
  } catch {
    throw new EtfError('atom is not valid UTF-8');
  }
  if (Array.from(name).length > 255) throw new EtfError('atom longer than 255 characters');
  return atom(name);
}
