// pako's deflate half on its own (no inflate): what hexts ships, to load less code.
declare module 'pako/lib/deflate.js' {
  export { Deflate, deflateRaw, gzip } from 'pako';
}
