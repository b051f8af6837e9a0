export * from './parse.js';
export * from './address.js';
export * from './structure.js';
export * from './section.js';
export * from './subject.js';
