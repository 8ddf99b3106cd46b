// The standard library table, filled by the modules below as they load.
import './kernel.js';
import './enum.js';
import './string.js';
import './path.js';
import './system.js';

export { STDLIB, type StdFn } from './table.js';
export { makeRange } from './enum.js';
export { exceptionStruct } from './system.js';
